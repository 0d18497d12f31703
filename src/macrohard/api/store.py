"""The API's own SQLite file (DIR/api.db): tenants and their builds. Runs live in the journal.

Same plumbing as the journal (WAL, BEGIN IMMEDIATE, one connection per thread), its own schema.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from macrohard.journal import JournalError
from macrohard.journal import db as sqlite_db

# Each entry migrates the schema from version i to i + 1; append, never edit a shipped one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE tenants (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            token_hash TEXT NOT NULL UNIQUE,
            max_concurrent INTEGER NOT NULL,
            tokens_per_day INTEGER,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE builds (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id),
            run_id TEXT,
            request TEXT NOT NULL,
            model TEXT NOT NULL,
            budget_tokens INTEGER,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
                ('queued', 'running', 'succeeded', 'failed', 'stopped', 'cancelled',
                 'interrupted')),
            verdict TEXT,
            error TEXT,
            out_dir TEXT NOT NULL,
            tokens INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        )""",
        "CREATE INDEX builds_by_tenant ON builds (tenant_id, created_at)",
        "CREATE INDEX builds_by_status ON builds (status)",
    ),
    # 1 -> 2: priorities (api.queue); builds from before them get the default, 0
    ("ALTER TABLE builds ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",),
)


class Store:
    """Connections to api.db, one per thread; `write()` is one BEGIN IMMEDIATE transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise JournalError(f"{path} is from a newer macrohard (schema {version})")
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_db.connect(self.path)
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        try:
            with sqlite_db.write(self._conn()) as conn:
                yield conn
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: {exc}") from exc

    def read(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: {exc}") from exc
