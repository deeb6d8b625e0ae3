from __future__ import annotations

from fastapi import APIRouter

from qa_service.api.deps import SearchServiceDep
from qa_service.api.schemas import SearchRequest, SearchResponse, SearchResult

router = APIRouter(tags=["search"])


@router.post("/search", response_model=SearchResponse)
def search(request: SearchRequest, service: SearchServiceDep) -> SearchResponse:
    """Clauses most relevant to the query, best first; `text` is the clause as the source prints it."""
    hits = service.search(request.query, top_k=request.top_k, doc_ids=request.doc_ids)
    return SearchResponse(results=[SearchResult.from_hit(hit) for hit in hits])
