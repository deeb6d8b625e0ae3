"""The composition root: builds the search and answer services once, for the API, the CLI and bench/.

Everything that picks an adapter (embedder, LLM backend, index location) happens here, from one
Settings object; callers get services and never construct adapters themselves.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from qa_service.core.config import Settings
from qa_service.core.errors import GeneratorUnavailableError, QAError, ServiceUnavailableError
from qa_service.generation.llm import Generator, LlamaCppGenerator
from qa_service.generation.prompts import check_prompts
from qa_service.retrieval.embeddings import Embedder, cached_embedder
from qa_service.retrieval.retriever import HybridRetriever
from qa_service.retrieval.store import load_index
from qa_service.services.answer import AnswerService
from qa_service.services.search import SearchService

logger = logging.getLogger(__name__)


def build_embedder(settings: Settings) -> Embedder:
    return cached_embedder(settings)


def build_search_service(settings: Settings, embedder: Embedder | None = None) -> SearchService:
    """Raises a ServiceUnavailableError subclass when the index is missing, corrupt or mismatched.
    The index is read before the embedding model loads, so a missing one is reported at once."""
    bundle = load_index(settings.index_dir)
    embedder = embedder or build_embedder(settings)
    return SearchService(HybridRetriever(bundle, embedder, settings), settings, embedder)


def build_generator(settings: Settings) -> Generator:
    """The LLM adapter chosen by settings (loaded lazily on first use, or by `Generator.load`)."""
    return LlamaCppGenerator(settings)


def build_answer_service(
    settings: Settings, search: SearchService, generator: Generator | None = None
) -> AnswerService:
    return AnswerService(search, generator if generator is not None else build_generator(settings), settings)


@dataclass
class Services:
    """What the running API holds: services that may be missing (no index yet) and why."""

    settings: Settings
    search: SearchService | None = None
    answer: AnswerService | None = None
    generator: Generator | None = None
    startup_error: str | None = None
    llm_error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def require_search(self) -> SearchService:
        if self.search is None:
            raise ServiceUnavailableError(self.startup_error or "search service is not ready")
        return self.search

    def require_answer(self) -> AnswerService:
        if self.answer is None:
            raise ServiceUnavailableError(self.startup_error or "answer service is not ready")
        return self.answer

    def load_generator(self) -> None:
        """Loads the LLM now so the first question does not wait; a failure is recorded, not raised:
        answers are still given extractively and `mode=generative` answers 503 with the reason."""
        if self.generator is None:
            return
        try:
            self.generator.load()
            self.llm_error = None
        except GeneratorUnavailableError as error:
            logger.warning("LLM unavailable: %s", error)
            self.llm_error = str(error)

    def reload_index(self, *, force: bool = False) -> bool:
        """Switches to a newly published index (or loads the first one); True when it switched.
        Raises the index's error when the new one cannot be loaded; the old one stays in service."""
        with self._lock:
            if self.search is not None:
                return self.search.reload(force=force)
            search = build_search_service(self.settings)
            self.search = search
            self.answer = build_answer_service(self.settings, search, self.generator)
            self.startup_error = None
            return True

    def readiness(self) -> dict[str, str]:
        """Each thing answering needs → "ok" or the reason it is not; ready when all are "ok"."""
        checks: dict[str, str] = {}
        checks["index"] = "ok" if self.search is not None else (self.startup_error or "not loaded")
        problems = check_prompts(self.settings.prompts_dir)
        checks["prompts"] = "ok" if not problems else "; ".join(problems)
        if self.settings.answer_mode == "generative":
            # auto answers extractively without a model; only a generative default needs one to answer
            checks["llm"] = (
                "ok"
                if self.generator is not None and self.llm_error is None
                else (self.llm_error or "no LLM is configured")
            )
        return checks


def build_services(
    settings: Settings,
    *,
    search: SearchService | None = None,
    generator: Generator | None = None,
    preload_llm: bool | None = None,
) -> Services:
    """The services for a server: never raises for a missing index (the server starts so /health and
    /ready can say why, and a hot reload picks the index up once it is built). `search`: one built
    already (tests), used as it is."""
    services = Services(settings=settings, search=search, generator=generator or build_generator(settings))
    if services.search is None:
        try:
            services.search = build_search_service(settings)
        except QAError as error:
            logger.error("search unavailable: %s", error)
            services.startup_error = str(error)
    if services.search is not None:
        services.answer = build_answer_service(settings, services.search, services.generator)
    if settings.llm_preload if preload_llm is None else preload_llm:
        services.load_generator()
    return services


__all__ = [
    "Services",
    "build_answer_service",
    "build_embedder",
    "build_generator",
    "build_search_service",
    "build_services",
]
