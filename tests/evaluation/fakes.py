"""Stand-ins for the eval runner's two seams (asking and searching), so the runner, summary and
report can be checked on fixed answers without a model or an index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from qa_service.answering.followup import Turn
from qa_service.evaluation.dataset import EvalItem, Evidence
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.retriever import SearchHit
from qa_service.services.answer import AnswerResult, AskRequest, Citation


def hit(text: str, ref: str = "一、") -> SearchHit:
    document = DocumentMeta("d", "测试政策", None, None, None, "d.txt", "测试政策")
    return SearchHit(Chunk(f"c-{ref}", "d", text, [ref], ref), document, 1.0, 1, 1, 0.9)


def item(
    id: str = "q1",
    question: str = "技改最多补多少？",
    *,
    type: str = "numeric",
    lang: str = "zh",
    quotes: Sequence[str] = ("单个项目最高补助400万元",),
    key_facts: Sequence[str] = ("400万元",),
    history: Sequence[tuple[str, str]] = (),
    forbidden: Sequence[str] = (),
) -> EvalItem:
    answerable = type != "unanswerable"
    return EvalItem(
        id=id,
        lang=lang,
        question=question,
        question_script="simplified",
        type=type,
        answerable=answerable,
        answer="",
        key_facts=list(key_facts) if answerable else [],
        evidence=[Evidence("x.txt", "doc", quote, "一、") for quote in quotes] if answerable else [],
        forbidden=list(forbidden),
        history=[Turn(role, content) for role, content in history],
    )


def result(
    answer: str,
    *,
    cited: Sequence[str] = (),
    refused: bool = False,
    query: str = "",
    total_ms: float = 10.0,
) -> AnswerResult:
    citations = [Citation(n, hit(text, f"第{n}条"), text) for n, text in enumerate(cited, start=1)]
    return AnswerResult(
        answer=answer,
        refused=refused,
        mode_used="refusal" if refused else "extractive",
        citations=citations,
        related=[c.hit for c in citations],
        query=query,
        lang="zh",
        model="",
        timings_ms={"retrieve": 1.0, "generate": 0.0, "total": total_ms},
    )


class FixedAnswers:
    """Answers each question with a fixed result (its `query` the question unless the result names
    the rewrite); records the requests, to check the history is sent."""

    def __init__(self, results: Mapping[str, AnswerResult]) -> None:
        self._results = results
        self.requests: list[AskRequest] = []

    def ask(self, request: AskRequest) -> AnswerResult:
        self.requests.append(request)
        fixed = self._results[request.question]
        return fixed if fixed.query else replace(fixed, query=request.question)  # no rewrite: as asked


class FixedSearch:
    """Returns fixed passages per query (none for an unknown one); records the queries."""

    def __init__(self, passages: Mapping[str, Sequence[str]]) -> None:
        self._passages = passages
        self.queries: list[str] = []

    def search(self, query: str, *, top_k: int | None = None, **_: object) -> list[SearchHit]:
        self.queries.append(query)
        texts = self._passages.get(query, [])[: top_k or 5]
        return [hit(text, f"第{rank}条") for rank, text in enumerate(texts, start=1)]
