from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from qa_service.api.schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
def health(request: Request) -> JSONResponse:
    """200 when the index is loaded; 503 with the reason when it is not (e.g. never built)."""
    service = request.app.state.search_service
    if service is None:
        body = HealthResponse(status="degraded", detail=request.app.state.startup_error)
        return JSONResponse(status_code=503, content=body.model_dump())
    manifest = service.manifest
    index = {
        key: manifest.get(key) for key in ("version", "embedding_model", "documents", "chunks", "created_at")
    }
    return JSONResponse(content=HealthResponse(status="ok", index=index).model_dump())
