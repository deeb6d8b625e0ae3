"""`qa keys create|list|revoke`, and `qa serve` refusing to start open on a reachable address."""

from __future__ import annotations

from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from qa_service.cli import app
from qa_service.core.config import get_settings
from qa_service.services.keys import KeyStore

runner = CliRunner()


@pytest.fixture
def keys_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "keys.sqlite3"
    monkeypatch.setenv("QA_KEYS_DB", str(path))
    for name in ("QA_HOST", "QA_AUTH_REQUIRED"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    return calls


def test_create_prints_the_key_once_and_stores_only_its_hash(keys_db: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--scope", "admin", "--name", "ops"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("qa_") and "\n" not in secret  # stdout is the key alone
    assert "not shown again" in result.output
    key = KeyStore(keys_db).verify(secret)
    assert key is not None and (key.scope, key.name) == ("admin", "ops")
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0
    assert secret not in listed.output
    assert key.prefix in listed.output and "ops" in listed.output and "admin" in listed.output


def test_create_needs_a_known_scope(keys_db: Path) -> None:
    assert runner.invoke(app, ["keys", "create"]).exit_code != 0
    assert runner.invoke(app, ["keys", "create", "--scope", "root"]).exit_code != 0
    assert not keys_db.exists()


def test_list_without_keys_says_how_to_create_one(keys_db: Path) -> None:
    result = runner.invoke(app, ["keys", "list"])
    assert result.exit_code == 0
    assert "qa keys create" in result.output


def test_revoke(keys_db: Path) -> None:
    secret = runner.invoke(app, ["keys", "create", "--scope", "ask", "--name", "chat"]).stdout.strip()
    key_id = KeyStore(keys_db).list()[0].id
    result = runner.invoke(app, ["keys", "revoke", str(key_id)])
    assert result.exit_code == 0 and "revoked" in result.output
    assert KeyStore(keys_db).verify(secret) is None
    assert "revoked" in runner.invoke(app, ["keys", "list"]).output
    missing = runner.invoke(app, ["keys", "revoke", "999"])
    assert missing.exit_code == 1 and "no key with id 999" in missing.output


def test_serve_on_a_reachable_address_refuses_without_keys(keys_db: Path, served: list[dict]) -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "API keys are required" in result.output
    assert "qa keys create --scope admin" in result.output
    assert "QA_AUTH_REQUIRED=never" in result.output
    assert served == []


def test_serve_on_a_reachable_address_starts_once_a_key_exists(keys_db: Path, served: list[dict]) -> None:
    KeyStore(keys_db).create("ask")
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "API keys: required" in result.output
    assert served and served[0]["host"] == "0.0.0.0"


def test_serve_starts_without_keys_on_loopback_or_when_told_to(
    keys_db: Path, served: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["serve"]).exit_code == 0  # 127.0.0.1 by default
    monkeypatch.setenv("QA_AUTH_REQUIRED", "never")
    get_settings.cache_clear()
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "off" in result.output
    assert len(served) == 2


def test_serve_with_always_refuses_without_keys_even_on_loopback(
    keys_db: Path, served: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_AUTH_REQUIRED", "always")
    get_settings.cache_clear()
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1 and "QA_AUTH_REQUIRED=always" in result.output
