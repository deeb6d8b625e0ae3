"""The /ask use case: retrieve → refuse or answer → verify every sentence → cite.

One pipeline serves the JSON and the streaming API and the eval suite: `stream()` yields events as the
answer is built and `ask()` returns its final result. Nothing the LLM writes is sent before it is
verified sentence by sentence against the clauses it cites; when verification removes a sentence that
stated a figure or that its clause does not support (or nothing survives, or a figure asked for is
missing), `auto` falls back to verbatim quotes of the best clause sentences, which cannot state a
figure their clause does not. The LLM is used by one request at a time through a bounded queue
(`AdmissionQueue`): `auto` answers with quotes when it is full, and a request's `cancel` event (its
client left) stops generation at the next token.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from qa_service.answering.citations import (
    RemovedSentence,
    best_quote,
    bigram_overlap,
    parse_citations,
    sentence_spans,
    strip_citations,
    verify_answer,
)
from qa_service.answering.extractive import ExtractiveAnswer, extractive_answer
from qa_service.answering.followup import Turn, standalone_query
from qa_service.answering.injection import mask_injections
from qa_service.answering.question import Language, detect_language, is_traditional, question_coverage
from qa_service.answering.refusal import EvidenceCheck, decide, lacks_asked_figure
from qa_service.core.config import Settings
from qa_service.core.errors import GenerationUnavailableError, InvalidQueryError, OverloadedError
from qa_service.generation.admission import AdmissionQueue, Cancelled
from qa_service.generation.llm import Generator, GeneratorUnavailableError
from qa_service.generation.prompts import load_template, render_answer_prompt
from qa_service.ingest.normalize import to_traditional
from qa_service.retrieval.retriever import SearchHit
from qa_service.services.search import SearchService

logger = logging.getLogger(__name__)

AnswerMode = Literal["auto", "generative", "extractive"]
# extractive_busy: `auto` answered with quotes at once because the LLM queue was full.
ModeUsed = Literal["generative", "extractive", "extractive_busy", "refusal"]
ANSWER_MODES: tuple[AnswerMode, ...] = ("auto", "generative", "extractive")
_ECHO_OVERLAP = 0.8  # a generated sentence sharing this much of its bigrams with the question echoes it
_STOP = {"zh": ["\n", "问题：", "条款："], "en": ["\n", "Question:", "Clauses:"]}


@dataclass(frozen=True)
class AskRequest:
    question: str
    top_k: int | None = None
    doc_ids: Sequence[str] | None = None
    mode: AnswerMode | None = None  # None: the configured default
    history: Sequence[Turn] = ()
    cancel: threading.Event | None = None  # set when the client goes away: generation stops


@dataclass(frozen=True)
class Citation:
    marker: int  # the [n] in the answer text
    hit: SearchHit
    quote: str  # verbatim span of hit.chunk.text that supports the answer


@dataclass
class AnswerResult:
    answer: str
    refused: bool
    mode_used: ModeUsed
    citations: list[Citation]
    related: list[SearchHit]  # the retrieved clauses; for a refusal, "nearest, not sources"
    query: str  # the standalone query after follow-up rewriting
    lang: Language
    model: str  # the LLM that was called, "" when none was
    timings_ms: dict[str, float]
    refusal_reason: str = ""
    evidence: EvidenceCheck | None = None
    removed: list[RemovedSentence] = field(default_factory=list)  # generated sentences that failed


@dataclass(frozen=True)
class AnswerEvent:
    kind: Literal["token", "replace", "citations", "done"]
    text: str = ""
    result: AnswerResult | None = None


class _FallBack(Exception):
    """The generated answer cannot be shown; answer extractively instead."""


@dataclass
class _Draft:
    """What the generative path has produced and verified so far."""

    sentences: list[str] = field(default_factory=list)
    claims: dict[int, list[str]] = field(default_factory=dict)
    removed: list[RemovedSentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.sentences).strip()


class AnswerService:
    def __init__(
        self,
        search: SearchService,
        generator: Generator | None,
        settings: Settings,
        admission: AdmissionQueue | None = None,
    ) -> None:
        self._search = search
        self._generator = generator
        self._settings = settings
        self._admission = admission or AdmissionQueue(
            running=settings.llm_max_running,
            waiting=settings.llm_max_waiting,
            wait_timeout_s=settings.llm_queue_timeout_s,
        )

    @property
    def admission(self) -> AdmissionQueue:
        return self._admission

    @property
    def search(self) -> SearchService:
        return self._search

    @property
    def generator(self) -> Generator | None:
        return self._generator

    # --- public API ------------------------------------------------------------------------------

    def ask(self, request: AskRequest) -> AnswerResult:
        for event in self.stream(request):
            if event.kind == "done" and event.result is not None:
                return event.result
        raise RuntimeError("answer stream ended without a result")  # pragma: no cover

    def stream(self, request: AskRequest) -> Iterator[AnswerEvent]:
        """Validates first (errors raise before any event), then yields token/replace events, one
        citations event and a done event carrying the full result."""
        started = time.perf_counter()
        question = self._search.validate_query(request.question)
        mode = request.mode or self._settings.answer_mode
        if mode not in ANSWER_MODES:
            raise InvalidQueryError(f"mode must be one of {', '.join(ANSWER_MODES)}")
        if mode == "generative":
            self._available_generator(mode)  # no model: fail now, with a status, not mid-stream
            if self._admission.is_full():
                raise OverloadedError("the model is busy: try again shortly", self._admission.retry_after_s)
        history = self._history(request.history)
        query = standalone_query(question, history).query
        if len(query) > self._settings.max_query_chars:
            query = question  # a previous turn that long is no question to carry over: answer this one
        lang = detect_language(question)
        # Embedded once: retrieval and the domain gate read the same vector.
        vector = self._search.embed_query(query)
        hits = self._search.search(
            query, top_k=request.top_k, doc_ids=request.doc_ids, query_vector=vector
        )
        retrieved = time.perf_counter()
        return self._answer(
            query, lang, is_traditional(question), hits, mode, started, retrieved, request.cancel, vector
        )

    # --- steps -----------------------------------------------------------------------------------

    def _history(self, history: Sequence[Turn]) -> list[Turn]:
        limit = self._settings.max_query_chars * 4
        for turn in history:
            if turn.role not in ("user", "assistant"):
                raise InvalidQueryError(f"history role must be user or assistant, not {turn.role!r}")
            if len(turn.content) > limit:
                raise InvalidQueryError(f"a history turn is over {limit} characters")
        return list(history)[-self._settings.history_max_turns :]

    def _answer(
        self,
        query: str,
        lang: Language,
        traditional: bool,
        hits: list[SearchHit],
        mode: AnswerMode,
        started: float,
        retrieved: float,
        cancel: threading.Event | None = None,
        vector: np.ndarray | None = None,
    ) -> Iterator[AnswerEvent]:
        timings = {"retrieve": (retrieved - started) * 1000, "generate": 0.0}
        texts = [hit.chunk.text for hit in hits]
        extractive = extractive_answer(
            query,
            texts,
            max_sentences=self._settings.answer_max_sentences,
            lang=lang,
            labels=[source_label(hit) for hit in hits],
            clause_scores=[hit.score for hit in hits],
            span_model=self._settings.span_model_path,
            clause_answers=[None if hit.cross_score is None else hit.cross_score > 0 for hit in hits],
        )
        quoted = [quote for quotes in extractive.quotes.values() for quote in quotes]
        cited_documents = [_document_label(hits[n - 1]) for n in extractive.cited]
        evidence = decide(
            query,
            hits,
            quoted,
            cited_documents,
            self._settings,
            vector=vector,
            lead_score=extractive.lead_score,
        )
        reason = evidence.reason if evidence.refuse else ""
        base: dict[str, Any] = {"query": query, "lang": lang, "related": hits, "evidence": evidence}
        if reason:
            text = self._refusal_text(lang, traditional)
            citations: list[Citation] = []
            if reason == "out_of_scope" and extractive.text:
                # Say first what is missing; what another region's document says comes after, labelled.
                text = _scope_text(evidence.out_of_scope, lang, extractive.text)
                citations = self._extractive_citations(extractive, hits)
            yield AnswerEvent("token", text)
            yield from self._finish(
                AnswerResult(
                    text,
                    True,
                    "refusal",
                    citations,
                    model="",
                    timings_ms=timings,
                    refusal_reason=reason,
                    **base,
                ),
                started,
            )
            return

        model, accepted, shown, busy, draft = "", False, False, False, _Draft()
        if mode != "extractive" and (generator := self._available_generator(mode)) is not None:
            generated = time.perf_counter()
            try:
                with self._admission.slot(cancel):
                    model = generator.name
                    generation = self._generate(
                        generator, query, lang, hits, mode, draft, extractive.text, cancel
                    )
                    for sentence in generation:
                        yield AnswerEvent("token", sentence)
                    accepted = bool(draft.text)
            except _FallBack:
                pass
            except OverloadedError:
                if mode == "generative":
                    raise
                busy = True  # quotes now rather than a wait past the client's patience
            shown = bool(draft.text) and not accepted
            timings["generate"] = (time.perf_counter() - generated) * 1000
        base |= {"model": model, "timings_ms": timings, "removed": draft.removed}
        if accepted:
            result = AnswerResult(
                draft.text, False, "generative", self._generated_citations(draft, hits), **base
            )
        else:
            if shown:  # verified sentences were streamed before the answer failed as a whole
                yield AnswerEvent("replace", extractive.text)
            else:
                for piece in _pieces(extractive.text):
                    yield AnswerEvent("token", piece)
            citations = self._extractive_citations(extractive, hits)
            used: ModeUsed = "extractive_busy" if busy else "extractive"
            result = AnswerResult(extractive.text, False, used, citations, **base)
        yield from self._finish(result, started)

    def _finish(self, result: AnswerResult, started: float) -> Iterator[AnswerEvent]:
        result.timings_ms["total"] = (time.perf_counter() - started) * 1000
        yield AnswerEvent("citations", result=result)
        yield AnswerEvent("done", result.answer, result)

    def _available_generator(self, mode: AnswerMode) -> Generator | None:
        if self._generator is not None:
            try:
                self._generator.load()
                return self._generator
            except GeneratorUnavailableError as error:
                logger.warning("LLM unavailable, answering extractively: %s", error)
                if mode == "generative":
                    raise GenerationUnavailableError(str(error)) from error
                return None
        if mode == "generative":
            raise GenerationUnavailableError("no LLM is configured")
        return None

    def _refusal_text(self, lang: Language, traditional: bool) -> str:
        text = load_template(self._settings.prompts_dir, f"refusal_{lang}").template.strip()
        return to_traditional(text) if traditional and lang == "zh" else text

    def _generate(
        self,
        generator: Generator,
        query: str,
        lang: Language,
        hits: Sequence[SearchHit],
        mode: AnswerMode,
        draft: _Draft,
        quotes: str,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        """Verified sentences of the generated answer, as each completes; in `auto`, raises _FallBack
        when the answer is worse than `quotes` (the extractive answer)."""
        prompt_hits = hits[: self._settings.answer_prompt_clauses]
        clauses = [_clause_for_prompt(hit) for hit in prompt_hits]
        sources = _figure_sources(query, prompt_hits, clauses, self._settings)
        prompt = render_answer_prompt(self._settings.prompts_dir, lang, query, clauses)
        buffer = ""
        pieces = generator.stream(prompt, max_tokens=self._settings.llm_max_tokens, stop=_STOP[lang])
        with contextlib.closing(pieces):  # stopping early must end generation and free the model's lock
            for piece in pieces:
                if cancel is not None and cancel.is_set():
                    raise Cancelled  # the client is gone: free the model for the next one
                if len(draft.sentences) >= self._settings.answer_max_sentences:
                    break  # answers are short; the rest would only cost time
                buffer += piece
                spans = sentence_spans(buffer)
                # The last sentence may still grow (or gain its marker); the ones before it are complete.
                for start, end in spans[:-1]:
                    yield from self._accept(buffer[start:end], clauses, sources, query, mode, draft)
                if len(spans) > 1:
                    buffer = buffer[spans[-1][0] :]
        for start, end in sentence_spans(buffer):
            yield from self._accept(buffer[start:end], clauses, sources, query, mode, draft)
        if mode != "auto":
            return
        if self._settings.refusal_check_figure and lacks_asked_figure(query, draft.sentences):
            raise _FallBack  # it answered around the figure the question asks for; the quotes have it
        if question_coverage(query, [draft.text]) < question_coverage(query, [quotes]):
            # The small default model often copies a heading or repeats itself: verified, but saying
            # less about the question than the best sentences quoted as they are.
            raise _FallBack

    def _accept(
        self,
        sentence: str,
        clauses: Sequence[str],
        sources: frozenset[int],
        query: str,
        mode: AnswerMode,
        draft: _Draft,
    ) -> Iterator[str]:
        verified = verify_answer(
            sentence,
            clauses,
            min_support=self._settings.answer_min_support,
            figure_sources=sources,
            question=query,
        )
        draft.removed.extend(verified.removed)
        if mode == "auto" and any(_discredits(removed) for removed in verified.removed):
            raise _FallBack
        if not verified.text or _repeats(verified.text, query, draft.sentences):
            if mode == "auto" and not draft.sentences:
                raise _FallBack  # off track from its first sentence: stop paying for tokens now
            return
        separator = " " if draft.sentences and not _ends_chinese(draft.sentences[-1]) else ""
        piece = separator + verified.text
        draft.sentences.append(piece)
        for number, claims in verified.claims.items():
            draft.claims.setdefault(number, []).extend(claims)
        yield piece

    @staticmethod
    def _generated_citations(draft: _Draft, hits: Sequence[SearchHit]) -> list[Citation]:
        return [
            Citation(n, hits[n - 1], best_quote(" ".join(draft.claims.get(n, [])), hits[n - 1].chunk.text))
            for n in parse_citations(draft.text)
        ]

    @staticmethod
    def _extractive_citations(answer: ExtractiveAnswer, hits: Sequence[SearchHit]) -> list[Citation]:
        return [Citation(n, hits[n - 1], answer.quotes[n][0]) for n in answer.cited]


def _clause_for_prompt(hit: SearchHit) -> str:
    """The clause with its document's name, so a figure stated in the title (a year) is supported too;
    sentences addressing the model are masked: the LLM never reads them and they support nothing."""
    name = hit.document.short_title or hit.document.title
    text = f"《{name}》{strip_citations(hit.chunk.text)}" if name else strip_citations(hit.chunk.text)
    return mask_injections(text)


def _figure_sources(
    query: str, hits: Sequence[SearchHit], clauses: Sequence[str], settings: Settings
) -> frozenset[int]:
    """Numbers of the prompt clauses a figure may come from: the best hit, and any other close to it
    in meaning (cosine) or in the question words it contains — not a clause that merely made the top
    3, whose figures answer some other question."""
    if not hits:
        return frozenset()
    coverage = [question_coverage(query, [clause]) for clause in clauses]
    best_dense, best_coverage = hits[0].dense_score, max(coverage)
    sources = {1}
    for number, (hit, covered) in enumerate(zip(hits, coverage, strict=True), start=1):
        # without a cosine to compare (lexical retrieval) there is nothing to judge by
        unknown = hit.dense_score is None or best_dense is None
        near = unknown or best_dense - hit.dense_score <= settings.figure_source_max_dense_gap
        if near or (best_coverage and covered >= settings.figure_source_min_coverage_ratio * best_coverage):
            sources.add(number)
    return frozenset(sources)


def _discredits(removed: RemovedSentence) -> bool:
    """Whether, in `auto`, a removed sentence makes the whole generated answer worse than the quotes:
    a wrong or borrowed figure, a claim its clause does not make, an echoed instruction."""
    return bool(removed.figures) or removed.reason in {"unsupported_content", "injection"}


def _repeats(sentence: str, question: str, kept: Sequence[str]) -> bool:
    """A sentence the model already wrote, or the question echoed back (clauses support it, but it
    answers nothing) — both seen from the small default model."""
    body = strip_citations(sentence).strip()
    if any(body == strip_citations(previous).strip() for previous in kept):
        return True
    return body.endswith(("?", "？")) or bigram_overlap(body, question) >= _ECHO_OVERLAP


def source_label(hit: SearchHit) -> str:
    """How an answer names where a clause comes from: its clause reference, with the document's 文号 or
    short title in front when the reference does not already carry it ("柳政规〔2025〕3号 一、(二)",
    "《劳动合同法》第十九条")."""
    document, reference = hit.document, hit.chunk.clause_ref.strip()
    name = document.number or (f"《{document.short_title}》" if document.short_title else "")
    if not name or (document.number and document.number in reference):
        return reference
    if document.short_title and document.short_title in reference:
        return reference
    return f"{name}{reference}" if name.endswith("》") else f"{name} {reference}"


def _scope_text(places: Sequence[str], lang: Language, reference: str) -> str:
    names = "、".join(places)
    if lang == "en":
        return (
            f"The indexed documents contain no rules for {names}. For reference only, a document of "
            f"another region says: {reference}"
        )
    return f"已收录的文件中没有{names}的相关规定。以下是其他地区文件的规定，仅供参考：{reference}"


def _document_label(hit: SearchHit) -> str:
    document = hit.document
    return " ".join(part for part in (document.title, document.number, document.date) if part)


def _ends_chinese(text: str) -> bool:
    stripped = strip_citations(text).rstrip()
    return bool(stripped) and ("\u3000" <= stripped[-1] <= "\u9fff" or stripped[-1] in "。！？；）”")


def _pieces(text: str) -> list[str]:
    """An extractive answer streamed sentence by sentence, as a generated one is; they join to `text`."""
    bounds = [0, *(end for _, end in sentence_spans(text)[:-1]), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


__all__ = [
    "ANSWER_MODES",
    "AnswerEvent",
    "AnswerMode",
    "AnswerResult",
    "AnswerService",
    "AskRequest",
    "Citation",
    "GenerationUnavailableError",
]
