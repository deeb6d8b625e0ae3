"""Liveness (/health: the process answers) and readiness (/ready: it can answer questions).

Both run on the event loop (async, no blocking work), not in the thread pool that /ask and /search
fill under load, so a load balancer's probe is answered at once however busy the service is."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from qa_service.api.deps import ServicesDep
from qa_service.api.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])

_INDEX_FIELDS = ("version", "embedding_model", "documents", "chunks", "created_at")


# GET and HEAD (load balancers probe with either) as two operations: one route with both methods
# would give both the same operationId in /openapi.json.
@router.head("/health", response_model=HealthResponse)
@router.get("/health", response_model=HealthResponse)
async def health(services: ServicesDep) -> HealthResponse:
    """Always 200 while the process serves: `status` is "ok" with the index in service (its version
    changes after a hot reload), or "degraded" with the reason (e.g. no index built yet)."""
    if services.search is None:
        return HealthResponse(status="degraded", detail=services.startup_error)
    manifest = services.search.manifest
    return HealthResponse(status="ok", index={key: manifest.get(key) for key in _INDEX_FIELDS})


_NOT_READY = {503: {"model": ReadyResponse, "description": "Something answering needs is missing."}}


@router.head("/ready", response_model=ReadyResponse, responses=_NOT_READY)
@router.get("/ready", response_model=ReadyResponse, responses=_NOT_READY)
async def ready(services: ServicesDep) -> JSONResponse:
    """200 when everything answering needs is there (index, prompts, and the LLM when the default
    mode is generative); 503 listing what is not."""
    checks = services.readiness()
    ok = all(value == "ok" for value in checks.values())
    body = ReadyResponse(status="ready" if ok else "not_ready", checks=checks)
    return JSONResponse(status_code=200 if ok else 503, content=body.model_dump())
