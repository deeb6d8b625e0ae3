"""The API key store: create, verify, revoke and list; only hashes on disk; safe across threads."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa_service.services import keys as keys_module
from qa_service.services.keys import KeyStore, hash_key, scope_allows


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "state" / "keys.sqlite3")


def test_created_key_verifies_with_its_scope_and_name(store: KeyStore) -> None:
    created = store.create("ask", "chat page")
    assert created.secret.startswith("qa_") and len(created.secret) >= 40
    assert created.key.prefix == created.secret[: len(created.key.prefix)]
    key = store.verify(created.secret)
    assert key is not None
    assert (key.id, key.scope, key.name, key.active) == (created.key.id, "ask", "chat page", True)


def test_unknown_malformed_and_near_miss_keys_are_refused(store: KeyStore) -> None:
    created = store.create("admin")
    assert store.verify("") is None
    assert store.verify("not-a-key") is None
    assert store.verify(created.key.prefix) is None
    assert store.verify(created.secret[:-1] + ("A" if created.secret[-1] != "A" else "B")) is None
    assert store.verify(created.secret + "x") is None


def test_keys_are_random_and_distinct(store: KeyStore) -> None:
    secrets_ = {store.create("ask").secret for _ in range(20)}
    assert len(secrets_) == 20


def test_revoked_key_no_longer_verifies_and_list_shows_it(store: KeyStore) -> None:
    kept = store.create("ask", "kept")
    gone = store.create("admin", "gone")
    revoked = store.revoke(gone.key.id)
    assert revoked is not None and revoked.revoked_at is not None and not revoked.active
    assert store.verify(gone.secret) is None
    assert store.verify(kept.secret) is not None
    assert store.revoke(gone.key.id).revoked_at == revoked.revoked_at  # type: ignore[union-attr]
    assert store.revoke(999) is None
    listed = {key.name: key for key in store.list()}
    assert set(listed) == {"kept", "gone"}
    assert listed["kept"].active and not listed["gone"].active
    assert listed["kept"].last_used_at is not None  # verified above
    assert listed["gone"].scope == "admin"


def test_has_active_keys(store: KeyStore) -> None:
    assert not store.has_active_keys()
    created = store.create("ask")
    assert store.has_active_keys()
    store.revoke(created.key.id)
    assert not store.has_active_keys()


def test_reads_of_a_missing_store_create_no_file(store: KeyStore) -> None:
    assert store.list() == []
    assert store.verify("qa_" + "x" * 43) is None
    assert store.revoke(1) is None
    assert not store.has_active_keys()
    assert not store.path.exists()


def test_only_the_hash_is_stored_never_the_key(store: KeyStore) -> None:
    created = store.create("admin", "ops")
    assert store.verify(created.secret) is not None
    on_disk = b"".join(path.read_bytes() for path in store.path.parent.glob("keys.sqlite3*"))
    assert created.secret.encode() not in on_disk
    assert created.secret[len(created.key.prefix) :].encode() not in on_disk  # not the secret part either
    with sqlite3.connect(store.path) as connection:
        stored_hash, prefix = connection.execute("SELECT key_hash, prefix FROM api_keys").fetchone()
    assert stored_hash == hash_key(created.secret)
    assert prefix == created.key.prefix and len(prefix) < len(created.secret) // 3
    assert store.path.stat().st_mode & 0o777 == 0o600


def test_database_uses_wal(store: KeyStore) -> None:
    store.create("ask")
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_hashes_are_compared_in_constant_time(store: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    created = store.create("ask")
    calls: list[tuple[str, str]] = []
    real = keys_module.hmac.compare_digest

    def spy(a, b):  # type: ignore[no-untyped-def]
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(keys_module.hmac, "compare_digest", spy)
    assert store.verify(created.secret) is not None
    assert calls == [(hash_key(created.secret), hash_key(created.secret))]


def test_scopes() -> None:
    assert scope_allows("ask", "ask")
    assert scope_allows("admin", "ask")
    assert scope_allows("admin", "admin")
    assert not scope_allows("ask", "admin")


def test_bad_scope_is_refused(store: KeyStore) -> None:
    with pytest.raises(ValueError, match="scope"):
        store.create("root")  # type: ignore[arg-type]


def test_concurrent_creates_and_verifies_from_threads(tmp_path: Path) -> None:
    # Separate store objects, as separate processes (the server and `qa keys create`) would have.
    path = tmp_path / "keys.sqlite3"
    start = threading.Barrier(8)

    def create_some(worker: int) -> list[str]:
        store = KeyStore(path)
        start.wait()
        made = [store.create("ask" if n % 2 else "admin", f"w{worker}-{n}").secret for n in range(10)]
        assert all(store.verify(secret) is not None for secret in made)
        return made

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = [secret for batch in pool.map(create_some, range(8)) for secret in batch]
    store = KeyStore(path)
    listed = store.list()
    assert len(made) == len(set(made)) == len(listed) == 80
    assert len({key.id for key in listed}) == 80
    assert all(store.verify(secret) is not None for secret in made)
