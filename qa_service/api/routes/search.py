from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from qa_service.api.compute import compute
from qa_service.api.deps import AskAccess, SearchServiceDep
from qa_service.api.schemas import SearchRequest, SearchResponse, SearchResult, error_responses
from qa_service.api.security import AUTH_RESPONSES
from qa_service.services.search import SearchService

router = APIRouter(tags=["search"], dependencies=[AskAccess], responses=AUTH_RESPONSES)


@router.post(
    "/search",
    response_model=SearchResponse,
    responses=error_responses(400, 401, 403, 404, 408, 413, 422, 429, 503),
)
async def search(request: SearchRequest, service: SearchServiceDep, http: Request) -> JSONResponse:
    """Clauses most relevant to the query, best first; `text` is the clause as the source prints it."""
    return await compute(http, _search, request, service)


def _search(request: SearchRequest, service: SearchService) -> JSONResponse:
    hits = service.search(request.query, top_k=request.top_k, doc_ids=request.doc_ids)
    return JSONResponse(
        SearchResponse(results=[SearchResult.from_hit(hit) for hit in hits]).model_dump(mode="json")
    )
