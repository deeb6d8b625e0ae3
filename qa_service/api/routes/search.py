from __future__ import annotations

from fastapi import APIRouter

from qa_service.api.deps import AskAccess, SearchServiceDep
from qa_service.api.schemas import SearchRequest, SearchResponse, SearchResult, error_responses
from qa_service.api.security import AUTH_RESPONSES

router = APIRouter(tags=["search"], dependencies=[AskAccess], responses=AUTH_RESPONSES)


@router.post(
    "/search",
    response_model=SearchResponse,
    responses=error_responses(400, 401, 403, 404, 408, 413, 422, 429, 503),
)
def search(request: SearchRequest, service: SearchServiceDep) -> SearchResponse:
    """Clauses most relevant to the query, best first; `text` is the clause as the source prints it."""
    hits = service.search(request.query, top_k=request.top_k, doc_ids=request.doc_ids)
    return SearchResponse(results=[SearchResult.from_hit(hit) for hit in hits])
