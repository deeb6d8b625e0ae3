"""Dependencies: the settings and the services the app was started with (swapped on index reload)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from qa_service.api.security import Caller, require_admin, require_ask
from qa_service.bootstrap import Services
from qa_service.core.config import Settings
from qa_service.services.answer import AnswerService
from qa_service.services.search import SearchService


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_search_service(request: Request) -> SearchService:
    return get_services(request).require_search()


def get_answer_service(request: Request) -> AnswerService:
    return get_services(request).require_answer()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ServicesDep = Annotated[Services, Depends(get_services)]
SearchServiceDep = Annotated[SearchService, Depends(get_search_service)]
AnswerServiceDep = Annotated[AnswerService, Depends(get_answer_service)]

# Scopes, for `dependencies=[...]` on a router (or `caller: AskCaller` where a route needs the key):
# ask covers /ask, /search and /documents; admin covers /admin/* and everything ask does.
AskAccess = Depends(require_ask)
AdminAccess = Depends(require_admin)
AskCaller = Annotated[Caller, AskAccess]
AdminCaller = Annotated[Caller, AdminAccess]
