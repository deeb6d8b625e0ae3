from __future__ import annotations

from fastapi import APIRouter, Query

from qa_service.api.deps import AskAccess, SearchServiceDep
from qa_service.api.schemas import DocumentDetail, DocumentOut, DocumentsResponse, error_responses
from qa_service.api.security import AUTH_RESPONSES
from qa_service.ingest.normalize import normalize_for_matching

router = APIRouter(tags=["documents"], dependencies=[AskAccess], responses=AUTH_RESPONSES)


@router.get(
    "/documents", response_model=DocumentsResponse, responses=error_responses(401, 403, 422, 429, 503)
)
def list_documents(
    service: SearchServiceDep, q: str | None = Query(default=None, description="Filter by title.")
) -> DocumentsResponse:
    documents = service.documents()
    if q:
        needle = normalize_for_matching(q)
        documents = [
            meta
            for meta in documents
            if needle in normalize_for_matching(f"{meta.title} {meta.number or ''}")
        ]
    return DocumentsResponse(documents=[DocumentOut.from_meta(meta) for meta in documents])


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentDetail,
    responses=error_responses(401, 403, 404, 422, 429, 503),
)
def get_document(doc_id: str, service: SearchServiceDep) -> DocumentDetail:
    meta = service.document(doc_id)
    return DocumentDetail(
        **DocumentOut.from_meta(meta).model_dump(),
        short_title=meta.short_title,
        chunks=service.chunk_count(doc_id),
    )
