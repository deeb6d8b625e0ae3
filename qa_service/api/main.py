"""FastAPI application: routes over the services; the index and model load once at start-up."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from qa_service.api.deps import ServiceUnavailableError
from qa_service.api.routes import ask, documents, health, search, ui
from qa_service.core.config import Settings, get_settings
from qa_service.generation.llm import GeneratorUnavailableError, LlamaCppGenerator
from qa_service.retrieval.embeddings import cached_embedder
from qa_service.retrieval.retriever import EmbeddingModelMismatchError
from qa_service.retrieval.store import IndexCorruptError, IndexNotFoundError
from qa_service.services.answer import AnswerService, GenerationUnavailableError
from qa_service.services.search import InvalidQueryError, SearchService, UnknownDocumentError

logger = logging.getLogger(__name__)


def _load_search_service(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    try:
        app.state.search_service = SearchService.from_settings(settings, cached_embedder(settings))
    except (IndexNotFoundError, IndexCorruptError, EmbeddingModelMismatchError) as error:
        # The app still starts so /health can say why; search answers 503 until the index exists.
        logger.error("search unavailable: %s", error)
        app.state.startup_error = str(error)


def _load_answer_service(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    generator = LlamaCppGenerator(settings)
    if settings.llm_preload:
        try:
            generator.load()
        except GeneratorUnavailableError as error:
            # Answers are still given, extractively; mode=generative answers 503 with this reason.
            logger.warning("LLM unavailable: %s", error)
    app.state.answer_service = AnswerService(app.state.search_service, generator, settings)


def create_app(
    settings: Settings | None = None,
    search_service: SearchService | None = None,
    answer_service: AnswerService | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.search_service is None:
            _load_search_service(app)
        if app.state.answer_service is None and app.state.search_service is not None:
            _load_answer_service(app)
        yield

    app = FastAPI(title="Policy QA service", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings or get_settings()
    app.state.search_service = search_service
    app.state.answer_service = answer_service
    app.state.startup_error = None

    @app.exception_handler(InvalidQueryError)
    async def invalid_query(_: Request, error: InvalidQueryError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(error)})

    @app.exception_handler(UnknownDocumentError)
    async def unknown_document(_: Request, error: UnknownDocumentError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error), "doc_ids": error.doc_ids})

    @app.exception_handler(ServiceUnavailableError)
    async def unavailable(_: Request, error: ServiceUnavailableError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(error)})

    @app.exception_handler(GenerationUnavailableError)
    async def no_llm(_: Request, error: GenerationUnavailableError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(error)})

    app.include_router(ask.router)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(ui.router)
    return app
