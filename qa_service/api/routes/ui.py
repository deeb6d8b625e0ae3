"""The chat page for business owners: plain HTML/CSS/JS from `qa_service/api/static/`, no build step."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

# Package data, found wherever the package is installed (not relative to the working folder).
STATIC_DIR = Path(str(resources.files("qa_service.api").joinpath("static")))
# The page's files change with each release and carry no version in their names: browsers must
# revalidate (cheap, FileResponse sends an ETag) rather than run a stale script against a newer API.
_HEADERS = {"Cache-Control": "no-cache"}

router = APIRouter(tags=["ui"], include_in_schema=False)


def _static_files() -> dict[str, Path]:
    # A fixed name→path table: a request can only ever name a file shipped in the folder, so no
    # path from the URL is ever joined onto the file system.
    return {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}


@router.get("/")
def chat_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=_HEADERS)


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    path = _static_files().get(name)
    if path is None:
        raise HTTPException(status_code=404, detail=f"no such file: {name}")
    return FileResponse(path, headers=_HEADERS)
