"""`qa eval index`: a normal index of exactly the documents the gold questions are about, listed in
eval/datasets/gold/documents.json, so a gold run answers from those files and not from whatever the
configured index holds (the sample corpus, a production corpus).

documents.json maps each doc_key to `file` (a path relative to the corpus root, e.g. `laws/…md`) or
`seed_file` (a file name under `<corpus root>/seeds/`); several documents share one seed page, which
is indexed once.
"""

from __future__ import annotations

import json
from pathlib import Path

from qa_service.bootstrap import build_embedder
from qa_service.core.config import Settings
from qa_service.core.errors import DatasetError
from qa_service.services.indexing import BuildReport, build_index

DEFAULT_DOCUMENTS = Path("eval/datasets/gold/documents.json")
DEFAULT_OUT = Path("eval/.index/gold")
SHARED_CORPUS = Path("../shared/corpus")  # from the repository root, where the gold corpus is shared
SEEDS = "seeds"


def document_paths(documents_file: Path) -> list[Path]:
    """The distinct files documents.json lists, relative to the corpus root, in first-listed order."""
    try:
        documents = json.loads(Path(documents_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DatasetError(f"cannot read {documents_file}: {error}") from error
    if not isinstance(documents, dict):
        raise DatasetError(f"{documents_file}: expected an object of doc_key → document")
    paths: dict[Path, None] = {}
    for key, document in documents.items():
        if isinstance(document, dict) and isinstance(document.get("file"), str):
            paths[Path(document["file"])] = None
        elif isinstance(document, dict) and isinstance(document.get("seed_file"), str):
            paths[Path(SEEDS) / document["seed_file"]] = None
        else:
            raise DatasetError(f"{documents_file}: document '{key}' has neither 'file' nor 'seed_file'")
    return list(paths)


def default_corpus_root(settings: Settings, relative: list[Path]) -> Path:
    """QA_CORPUS_DIR's parent when it holds the listed files (QA_CORPUS_DIR=…/corpus/seeds), else
    ../shared/corpus — where the corpus sits beside a checkout, run from the repository root."""
    parent = settings.corpus_dir.parent
    if relative and all((parent / path).is_file() for path in relative):
        return parent
    return SHARED_CORPUS


def resolve_files(corpus_root: Path, relative: list[Path]) -> list[Path]:
    """Absolute-enough paths of the listed files; every missing one is named in one error."""
    missing = [str(path) for path in relative if not (corpus_root / path).is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DatasetError(f"{len(missing)} listed file(s) not under {corpus_root}: {shown}")
    return [corpus_root / path for path in relative]


def build_eval_index(
    files: list[Path], settings: Settings, out: Path, *, show_progress: bool = False
) -> BuildReport:
    """A normal, published index of `files` at `out` (as `qa index build FILES --index-dir OUT`),
    which `qa eval run --index OUT` answers from."""
    return build_index(files, settings, build_embedder(settings), target=out, show_progress=show_progress)


__all__ = [
    "DEFAULT_DOCUMENTS",
    "DEFAULT_OUT",
    "SHARED_CORPUS",
    "build_eval_index",
    "default_corpus_root",
    "document_paths",
    "resolve_files",
]
