"""Dependencies: the settings and the search service the app was started with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from qa_service.core.config import Settings
from qa_service.services.answer import AnswerService
from qa_service.services.search import SearchService


class ServiceUnavailableError(RuntimeError):
    pass


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_search_service(request: Request) -> SearchService:
    service: SearchService | None = request.app.state.search_service
    if service is None:
        raise ServiceUnavailableError(request.app.state.startup_error or "search service is not ready")
    return service


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SearchServiceDep = Annotated[SearchService, Depends(get_search_service)]


def get_answer_service(request: Request) -> AnswerService:
    service: AnswerService | None = request.app.state.answer_service
    if service is None:
        raise ServiceUnavailableError(request.app.state.startup_error or "answer service is not ready")
    return service


AnswerServiceDep = Annotated[AnswerService, Depends(get_answer_service)]
