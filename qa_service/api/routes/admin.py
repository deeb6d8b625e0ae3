"""Operator routes (admin-scoped key): POST /admin/reload switches to a newly published index."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from qa_service.api.deps import AdminAccess, ServicesDep
from qa_service.api.security import AUTH_RESPONSES

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminAccess], responses=AUTH_RESPONSES)
logger = logging.getLogger(__name__)


class IndexSummary(BaseModel):
    version: str | None
    documents: int | None
    chunks: int | None


class ReloadResponse(BaseModel):
    reloaded: bool = Field(description="True when the service switched to another index version.")
    index: IndexSummary = Field(description="The index in service now.")


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses={503: {"description": "The published index cannot be loaded; the old one stays in service."}},
)
async def reload_index(
    services: ServicesDep,
    force: bool = Query(default=False, description="Load the published index even if it is in service."),
) -> ReloadResponse:
    """Loads the index `qa index build` published last and swaps it in (requests in flight finish
    on the old one). Background polling does the same every QA_INDEX_WATCH_INTERVAL_S seconds; this
    is for operators who turned it off or do not want to wait."""
    # Loading reads and deserialises the whole index: a worker thread, so other requests go on.
    reloaded = await asyncio.to_thread(services.reload_index, force=force)
    manifest = services.require_search().manifest
    if reloaded:
        logger.info("switched to index %s (POST /admin/reload)", manifest.get("version"))
    return ReloadResponse(
        reloaded=reloaded,
        index=IndexSummary(
            version=manifest.get("version"),
            documents=manifest.get("documents"),
            chunks=manifest.get("chunks"),
        ),
    )
