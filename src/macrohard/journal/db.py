"""SQLite plumbing: connections tuned for many threads and processes, writes, and migrations."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from macrohard.journal.records import JournalError

BUSY_TIMEOUT_MS = 30_000

# Each entry migrates the schema from version i to i + 1 (PRAGMA user_version). Never edit one
# that has shipped: append a new entry instead.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'build',
            request TEXT NOT NULL,
            out_dir TEXT NOT NULL,
            model TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
                ('queued', 'running', 'succeeded', 'failed', 'stopped', 'interrupted')),
            verdict TEXT,
            phases_json TEXT NOT NULL DEFAULT '[]',
            options_json TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0,
            pid INTEGER,
            error TEXT,
            tenant TEXT
        )""",
        "CREATE INDEX runs_by_created ON runs (created_at)",
        "CREATE INDEX runs_by_status ON runs (status)",
        """CREATE TABLE phases (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                ('pending', 'running', 'done', 'failed', 'skipped')),
            started_at TEXT,
            finished_at TEXT,
            input_json TEXT,
            output_json TEXT,
            model TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0,
            verdict TEXT,
            commit_sha TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, name),
            UNIQUE (run_id, idx)
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            ts TEXT NOT NULL,
            kind TEXT NOT NULL,
            data_json TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX events_by_run ON events (run_id, id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """Opens `path` in autocommit mode with WAL, a busy timeout, and foreign keys on."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        mode = _use_wal(conn)
    except BaseException:
        conn.close()
        raise
    if mode != "wal":
        conn.close()
        raise JournalError(f"journal {path} cannot use WAL mode (got {mode!r})")
    # WAL + NORMAL survives any process kill; only a power cut may lose the newest commits.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _use_wal(conn: sqlite3.Connection) -> str:
    """Switches a new database to WAL, waiting out others doing the same.

    SQLite does not call the busy handler for a journal-mode change, so several processes
    opening one fresh journal at once get "database is locked" at once; this waits instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            mode: str = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode == "wal":
                return mode
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay + random.uniform(0, delay))  # noqa: S311 - jitter, not a secret
        delay = min(delay * 2, 0.2)


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taking the write lock up front (BEGIN IMMEDIATE)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Brings the schema up to SCHEMA_VERSION; safe when several processes race to do it."""
    with write(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"journal {path} has schema version {version}, newer than this Macrohard "
                f"understands ({SCHEMA_VERSION}); upgrade macrohard"
            )
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
