"""api.db migrations: a database made by an older schema opens, its builds keep their data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from macrohard.api.builds import Builds
from macrohard.api.store import MIGRATIONS, Store
from macrohard.journal import JournalError


def old_database(path: Path) -> None:
    """api.db as the first schema made it (before priorities), with one queued build."""
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO tenants VALUES ('t-1', 'acme', 'hash', 2, NULL, '2025-01-01T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO builds (id, tenant_id, request, model, out_dir, created_at)"
        " VALUES ('b-old', 't-1', 'build it', 'scripted-company', '/x', '2025-01-01T00:00:01Z')"
    )
    conn.commit()
    conn.close()


def test_an_old_database_gets_priorities_and_keeps_its_builds(tmp_path: Path) -> None:
    path = tmp_path / "api.db"
    old_database(path)
    store = Store(path)
    assert store.read("PRAGMA user_version")[0][0] == len(MIGRATIONS) == 2
    old = Builds(store, tmp_path / "builds").get("b-old")
    assert old is not None
    assert (old.status, old.priority, old.request, old.tenant_id) == (
        "queued",
        0,
        "build it",
        "t-1",
    )
    assert [b.id for b in Builds(store, tmp_path / "builds").unfinished()] == ["b-old"]
    Store(path)  # opening it again migrates nothing twice


def test_a_database_from_a_newer_macrohard_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "api.db"
    Store(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="newer macrohard"):
        Store(path)
