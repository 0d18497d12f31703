"""SIGKILL at the worst moments leaves a consistent journal that `resume` can pick up."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from macrohard.journal import Journal, RunRecord, pid_alive

CHILD = """
import os, signal, sys
from macrohard.journal import Journal

path, run_id, where = sys.argv[1:]
j = Journal(path)
j.mark_running(run_id, os.getpid())
usage = dict(verdict="ok", model="m", prompt_tokens=7, completion_tokens=3, seconds=2.0)
j.phase_started(run_id, "pm", {})
j.phase_finished(run_id, "pm", output={}, commit_sha="sha-pm", **usage)
j.phase_started(run_id, "architect", {"attempt": 1})
if where == "after-start":
    os.kill(os.getpid(), signal.SIGKILL)
seen = []

def trace(sql):
    seen.append(sql)
    if sql == "COMMIT":  # every statement of phase_finished ran; the commit has not
        assert any(s.startswith("INSERT INTO events") for s in seen), seen
        os.kill(os.getpid(), signal.SIGKILL)

j._conn().set_trace_callback(trace)
j.phase_finished(run_id, "architect", output={"x": 1}, commit_sha="sha-arch", **usage)
"""


@pytest.mark.parametrize("where", ["after-start", "mid-commit"])
def test_sigkill_leaves_the_journal_consistent(
    journal: Journal, run: RunRecord, where: str
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(journal.path), run.id, where],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    conn = sqlite3.connect(journal.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    phases = {p.name: p for p in journal.phases(run.id)}
    assert phases["pm"].status == "done" and phases["pm"].commit_sha == "sha-pm"
    arch = phases["architect"]
    assert arch.status == "running" and arch.attempts == 1 and arch.commit_sha is None
    assert (arch.prompt_tokens, arch.output) == (0, None)
    assert journal.usage(run.id) == (7, 3, 2.0)  # pm's usage only
    finished = [e.data["name"] for e in journal.events(run.id) if e.kind == "phase.finished"]
    assert finished == ["pm"]
    assert journal.next_phase(run.id) == arch
    assert [r.id for r in journal.interrupted_runs()] == [run.id]


def test_interrupted_runs_skip_live_processes(journal: Journal, tmp_path: Path) -> None:
    live = journal.create_run("live", tmp_path, "m", [], {})
    journal.mark_running(live.id, pid=os.getpid())
    queued = journal.create_run("queued", tmp_path, "m", [], {})
    no_pid = journal.create_run("no pid", tmp_path, "m", [], {})
    journal.set_run_status(no_pid.id, "running")
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while pid_alive(zombie.pid) and time.monotonic() < deadline:
            time.sleep(0.02)  # exits but is never reaped until wait(): a zombie
        assert Path(f"/proc/{zombie.pid}").exists()
        dead = journal.create_run("dead", tmp_path, "m", [], {})
        journal.mark_running(dead.id, zombie.pid)
        ids = {r.id for r in journal.interrupted_runs()}
    finally:
        zombie.wait()
    assert ids == {no_pid.id, dead.id}
    assert queued.id not in ids and live.id not in ids


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(0) and not pid_alive(-1)
