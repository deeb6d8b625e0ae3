"""FastAPI application: routes over the services; the index and model load once at start-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from qa_service.api.middleware import RequestBodyLimitsMiddleware
from qa_service.api.routes import admin, ask, documents, health, search, ui
from qa_service.api.schemas import error_responses
from qa_service.api.security import Gatekeeper
from qa_service.bootstrap import Services, build_services
from qa_service.core.config import Settings, get_settings
from qa_service.core.errors import InvalidRequestError, QAError
from qa_service.services.answer import AnswerService
from qa_service.services.search import SearchService

logger = logging.getLogger(__name__)


async def _watch_index(services: Services, interval_s: float) -> None:
    """Polls the published index; a new version is loaded in a worker thread and swapped in."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            if await asyncio.to_thread(services.reload_index):
                logger.info("switched to index %s", services.search.manifest.get("version"))  # type: ignore[union-attr]
        except QAError as error:
            logger.warning("new index not loaded, still serving the old one: %s", error)


def create_app(
    settings: Settings | None = None,
    search_service: SearchService | None = None,
    answer_service: AnswerService | None = None,
) -> FastAPI:
    """Services passed in are used as they are (tests); otherwise the composition root builds them
    at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services: Services = app.state.services
        if services.answer is None:
            app.state.services = services = build_services(settings, search=services.search)
        watcher = None
        if settings.index_watch_interval_s > 0:
            watcher = asyncio.create_task(_watch_index(services, settings.index_watch_interval_s))
        yield
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    app = FastAPI(title="Policy QA service", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.gatekeeper = Gatekeeper(settings)
    app.state.services = Services(
        settings=settings,
        search=search_service,
        answer=answer_service,
        generator=answer_service.generator if answer_service is not None else None,
    )

    @app.exception_handler(QAError)
    async def service_error(_: Request, error: QAError) -> JSONResponse:
        return JSONResponse(
            status_code=error.status_code,
            content={"detail": str(error), **error.extra()},
            headers=error.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # Same {"detail": str} shape as every other error, via the one QAError handler.
        return await service_error(request, InvalidRequestError.from_validation(error.errors()))

    app.include_router(ask.router)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(ui.router)
    app.include_router(admin.router, responses=error_responses(422))  # the app's 422 shape, not FastAPI's
    app.add_middleware(
        RequestBodyLimitsMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_s=settings.request_read_timeout_s,
    )
    if settings.cors_origins:
        # Added last, so outermost: every response, errors from other middleware included, carries
        # the headers. No credentials: keys travel in headers, never in cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
            expose_headers=["Retry-After"],
            max_age=600,
        )
    return app
