"""API keys: created, listed, verified and revoked in a small SQLite database.

A key is `qa_` + 32 random bytes (URL-safe base64); the database keeps only its SHA-256 and a short
prefix to tell keys apart in `qa keys list`. A slow, salted KDF (bcrypt, scrypt, argon2) exists to
make guessing a *human-chosen* password expensive; against 256 bits of randomness (still over 200
bits past the stored prefix) guessing is hopeless anyway, so one fast hash is enough and a lookup
costs microseconds on every request.

The file is shared by the server and the `qa keys` command (another process), so every operation
opens its own short-lived connection: WAL mode lets readers (the server verifying keys) run while a
writer (a create or revoke) commits, and the busy timeout makes concurrent writers wait their turn
instead of failing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

Scope = Literal["ask", "admin"]
SCOPES: tuple[Scope, ...] = get_args(Scope)

KEY_MARKER = "qa_"
# Characters of the key shown in listings: the marker and 8 random characters (48 bits), enough to
# tell a handful of keys apart, and the lookup column (the secret part stays over 200 bits).
PREFIX_CHARS = len(KEY_MARKER) + 8
# `last_used_at` is written at most this often per key: a write on every request would make each
# request contend for the database's single write lock.
LAST_USED_RESOLUTION = timedelta(seconds=60)
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('ask', 'admin')),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_prefix ON api_keys (prefix);
"""
_COLUMNS = "id, name, prefix, scope, created_at, last_used_at, revoked_at"


def scope_allows(granted: Scope, needed: Scope) -> bool:
    """An admin key may do everything an ask key may."""
    return granted == needed or granted == "admin"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class ApiKey:
    """What is known about a key; never the key itself."""

    id: int
    name: str
    prefix: str
    scope: Scope
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewKey:
    """A key just created: `secret` exists only here and is never stored."""

    key: ApiKey
    secret: str


class KeyStore:
    """Keys in the SQLite file at `path`. Reads of a missing file find no keys and create nothing
    (so a server or a test that never creates a key leaves no file behind)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._init_lock = threading.Lock()
        self._initialised = False

    # --- connection -----------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self._init_lock:
            if self._initialised:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Hashes only, yet nobody else on the machine needs to read it: owner-only from the start
            # (SQLite gives its -wal and -shm files the database file's permissions).
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            with self._connect() as connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
            self._initialised = True

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: each statement commits on its own (every write here is one statement).
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as connection:
            yield connection

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A connection for reads, or None when no key was ever created."""
        if not self._initialised and not self.path.exists():
            yield None
            return
        self._ensure_schema()
        with self._connect() as connection:
            yield connection

    # --- operations -----------------------------------------------------------------------------

    def create(self, scope: Scope, name: str = "") -> NewKey:
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        self._ensure_schema()
        secret = KEY_MARKER + secrets.token_urlsafe(32)
        created = _now().isoformat()
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO api_keys (name, prefix, key_hash, scope, created_at) VALUES (?, ?, ?, ?, ?)",
                (name, secret[:PREFIX_CHARS], hash_key(secret), scope, created),
            )
            key_id = cursor.lastrowid
        assert key_id is not None
        return NewKey(ApiKey(key_id, name, secret[:PREFIX_CHARS], scope, created, None, None), secret)

    def verify(self, secret: str) -> ApiKey | None:
        """The active key `secret` is, or None (unknown, malformed or revoked)."""
        if not secret.startswith(KEY_MARKER) or len(secret) <= PREFIX_CHARS:
            return None
        digest = hash_key(secret)
        with self._reading() as connection:
            if connection is None:
                return None
            # The lookup is by the non-secret prefix; the hash is then compared in constant time, so
            # response timing says nothing about how much of a guessed key's hash matched.
            rows = connection.execute(
                f"SELECT {_COLUMNS}, key_hash FROM api_keys WHERE prefix = ?", (secret[:PREFIX_CHARS],)
            ).fetchall()
            found = None
            for *fields, stored_hash in rows:
                if hmac.compare_digest(digest, stored_hash):
                    found = ApiKey(*fields)
            if found is None or not found.active:
                return None
            self._touch(connection, found)
            return found

    def _touch(self, connection: sqlite3.Connection, key: ApiKey) -> None:
        now = _now()
        last = key.last_used_at
        if last is not None and now - datetime.fromisoformat(last) < LAST_USED_RESOLUTION:
            return
        connection.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now.isoformat(), key.id))

    def revoke(self, key_id: int) -> ApiKey | None:
        """Revokes the key (at once: every request looks its key up); None when there is no such
        key. Revoking a revoked key keeps its first revocation time."""
        with self._reading() as connection:
            if connection is None:
                return None
            connection.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (_now().isoformat(), key_id),
            )
            row = connection.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        return ApiKey(*row) if row else None

    def list(self) -> list[ApiKey]:
        with self._reading() as connection:
            if connection is None:
                return []
            rows = connection.execute(f"SELECT {_COLUMNS} FROM api_keys ORDER BY id").fetchall()
        return [ApiKey(*row) for row in rows]

    def has_active_keys(self) -> bool:
        with self._reading() as connection:
            if connection is None:
                return False
            row = connection.execute("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1").fetchone()
        return row is not None


__all__ = ["SCOPES", "ApiKey", "KeyStore", "NewKey", "Scope", "hash_key", "scope_allows"]
