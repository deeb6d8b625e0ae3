"""The chat page is served by the app itself; no index is needed to serve it."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.api.routes.ui import STATIC_DIR
from qa_service.core.config import Settings


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    # Not entered as a context manager: the lifespan (index and model loading) never runs.
    return TestClient(create_app(Settings(index_dir=tmp_path / "missing")))


def test_root_serves_the_chat_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # Relative, so the page also works under a reverse proxy's sub-path.
    assert '<script type="module" src="static/app.js">' in response.text
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(("name", "kind"), [("app.js", "javascript"), ("app.css", "text/css")])
def test_static_files_have_their_types(client: TestClient, name: str, kind: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert kind in response.headers["content-type"]


@pytest.mark.parametrize("name", ["nope.js", "..%2Fmain.py", "..%2F..%2Fpyproject.toml"])
def test_only_shipped_files_are_served(client: TestClient, name: str) -> None:
    assert client.get(f"/static/{name}").status_code == 404


def test_every_module_the_page_imports_is_shipped() -> None:
    # No bundler checks this: a renamed module would only show up as a blank page in a browser.
    for script in STATIC_DIR.glob("*.js"):
        for imported in re.findall(r'from "\./([\w.-]+)"', script.read_text(encoding="utf-8")):
            assert (STATIC_DIR / imported).is_file(), f"{script.name} imports missing {imported}"


def test_the_page_sets_no_server_text_through_inner_html() -> None:
    for script in STATIC_DIR.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", text), (
            script.name
        )


def test_the_page_is_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not any(path.startswith("/static") for path in paths)
