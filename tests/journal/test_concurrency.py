"""Many writers at once, in threads and in processes: nothing is lost, ids only grow."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from macrohard.journal import Journal, RunRecord, db

from .conftest import PHASES

WRITER = """
import os, sys, time
from pathlib import Path
from macrohard.journal import Journal

path, gate, run_id, tag, *phases = sys.argv[1:]
while not Path(gate).exists():
    time.sleep(0.005)
j = Journal(path)
if run_id == "new":
    run_id = j.create_run(f"run {tag}", "/out", "m", [("pm", "pm")], {}).id
for i in range(100):
    j.add_event(run_id, "log", {"tag": tag, "i": i})
for name in phases:
    j.phase_started(run_id, name, {})
    j.phase_finished(run_id, name, output={}, verdict="ok", commit_sha=None, model=None,
                     prompt_tokens=10, completion_tokens=1, seconds=0.5)
"""


def spawn(
    journal_path: Path, gate: Path, run_id: str, tag: str, *phases: str
) -> subprocess.Popen[str]:
    args = [sys.executable, "-c", WRITER, str(journal_path), str(gate), run_id, tag, *phases]
    return subprocess.Popen(args, stderr=subprocess.PIPE, text=True)


def wait_all(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err


def test_threads_lose_nothing(journal: Journal, run: RunRecord) -> None:
    barrier = threading.Barrier(4 + len(PHASES))
    errors: list[BaseException] = []

    def log(tag: int) -> None:
        barrier.wait()
        for i in range(50):
            journal.add_event(run.id, "log", {"tag": tag, "i": i})

    def phase(name: str) -> None:
        barrier.wait()
        journal.phase_started(run.id, name, {})
        journal.phase_finished(
            run.id,
            name,
            output={},
            verdict="ok",
            commit_sha=None,
            model=None,
            prompt_tokens=100,
            completion_tokens=10,
            seconds=1.0,
        )

    def guarded(fn: Callable[[Any], None], arg: object) -> None:
        try:
            fn(arg)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(log, t)) for t in range(4)]
    threads += [threading.Thread(target=guarded, args=(phase, n)) for n, _ in PHASES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    events = journal.events(run.id, limit=10_000)
    ids = [e.id for e in events]
    assert ids == sorted(set(ids))
    logs = [e.data for e in events if e.kind == "log"]
    assert len(logs) == 200
    for tag in range(4):  # each writer's events appear in the order it wrote them
        assert [d["i"] for d in logs if d["tag"] == tag] == list(range(50))
    assert journal.usage(run.id) == (100 * len(PHASES), 10 * len(PHASES), 1.0 * len(PHASES))
    assert journal.next_phase(run.id) is None


def test_processes_lose_nothing(journal: Journal, run: RunRecord, tmp_path: Path) -> None:
    gate = tmp_path / "go"
    procs = [
        spawn(journal.path, gate, run.id, "a", "pm", "qa", "verify"),
        spawn(journal.path, gate, run.id, "b", "architect", "engineer", "review"),
    ]
    gate.touch()
    wait_all(procs)
    events = journal.events(run.id, limit=10_000)
    assert [e.id for e in events] == sorted({e.id for e in events})
    for tag in "ab":
        assert [e.data["i"] for e in events if e.data.get("tag") == tag] == list(range(100))
    assert journal.usage(run.id) == (60, 6, 3.0)
    assert journal.next_phase(run.id).name == "release"  # type: ignore[union-attr]


def test_processes_racing_to_create_the_journal(tmp_path: Path) -> None:
    path, gate = tmp_path / "fresh" / "journal.db", tmp_path / "go"
    procs = [spawn(path, gate, "new", tag) for tag in "xyz"]
    gate.touch()
    wait_all(procs)
    journal = Journal(path)
    runs = journal.list_runs()
    assert sorted(r.request for r in runs) == ["run x", "run y", "run z"]
    assert all(len(journal.events(r.id)) == 101 for r in runs)


def test_opening_a_fresh_journal_waits_for_a_writer_instead_of_failing_to_use_wal(
    tmp_path: Path,
) -> None:
    # SQLite skips the busy handler for a journal-mode change: without a wait of our own, a
    # second process opening a fresh journal while the first holds it failed at once
    # ("database is locked"; seen in CI when three builds started together).
    path = tmp_path / "journal.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # a writer, still in rollback-journal mode
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    conn = db.connect(path)
    waited = time.monotonic() - started
    release.join()
    holder.close()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert waited >= 0.2
    conn.close()
