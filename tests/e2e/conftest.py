"""Browser-test fixtures: the real server on the seeds index (`index/default`, built by
scripts/setup.sh), and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.helpers import RECORD_STREAMS

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "index" / "default"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
# The index and the embedding model load before /health answers; the LLM is preloaded too.
STARTUP_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _qa_command() -> list[str]:
    script = Path(sys.executable).with_name("qa")
    if script.exists():
        return [str(script)]
    found = shutil.which("qa")
    return [found] if found else [sys.executable, "-c", "from qa_service.cli import app; app()"]


def _health(url: str) -> int | None:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def check_alive(self) -> None:
        # A crash in the answer path (e.g. inside llama.cpp) kills the whole process; say so once,
        # instead of every later test failing with "connection refused".
        if self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"the server exited with {self.process.returncode}; {self.log_path}:\n{tail}")


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if not INDEX.exists():
        pytest.skip(f"no seeds index at {INDEX}: run scripts/setup.sh")
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / "server.log"
    # The server's own defaults apply (answer mode included: QA_ANSWER_MODE in the environment
    # passes through); only the index is pinned.
    env = {**os.environ, "QA_INDEX_DIR": str(INDEX)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*_qa_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        running = Server(url, process, log_path)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while _health(url) != 200:
                running.check_alive()
                if time.monotonic() > deadline:
                    pytest.fail(f"server not healthy after {STARTUP_TIMEOUT_S} s; see {log_path}")
                time.sleep(0.3)
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def server_url(server: Server) -> Iterator[str]:
    server.check_alive()
    yield server.url
    server.check_alive()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]' (playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def _context_page(browser, request: pytest.FixtureRequest, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    context.add_init_script(RECORD_STREAMS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _finish(context, page, errors: list[str], request: pytest.FixtureRequest) -> None:
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    # An uncaught exception in the page is a failure even when the assertions happened to pass.
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser, server_url: str, request: pytest.FixtureRequest):
    context, page, errors = _context_page(browser, request, viewport={"width": 1280, "height": 900})
    page.goto(server_url)
    yield page
    _finish(context, page, errors, request)


@pytest.fixture
def phone_page(browser, server_url: str, request: pytest.FixtureRequest):
    context, page, errors = _context_page(
        browser,
        request,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page.goto(server_url)
    yield page
    _finish(context, page, errors, request)
