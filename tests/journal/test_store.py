"""The journal on a real SQLite file: schema, runs, phases, events, and the secret guard."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from macrohard.journal import Journal, JournalError, RunRecord, default_path

from .conftest import PHASES


def finish(journal: Journal, run_id: str, name: str, tokens: tuple[int, int, float]) -> None:
    journal.phase_started(run_id, name, {"step": name})
    journal.phase_finished(
        run_id,
        name,
        output={"files": [f"{name}.md"]},
        verdict="ok",
        commit_sha=f"sha-{name}",
        model="scripted",
        prompt_tokens=tokens[0],
        completion_tokens=tokens[1],
        seconds=tokens[2],
    )


def test_schema_is_created_with_wal_and_a_version(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "journal.db"
    Journal(path)
    Journal(path)  # reopening migrates nothing and breaks nothing
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "phases", "events"} <= tables


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    Journal(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(JournalError, match=r"schema version 99.*upgrade macrohard"):
        Journal(path)


def test_default_path_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MACROHARD_HOME", str(tmp_path / "mh"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "mh" / "journal.db"
    monkeypatch.delenv("MACROHARD_HOME")
    assert default_path() == tmp_path / "xdg" / "macrohard" / "journal.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".local" / "share" / "macrohard" / "journal.db"


def test_create_run_records_everything(journal: Journal, run: RunRecord, tmp_path: Path) -> None:
    assert re.fullmatch(r"r-[0-9a-f]{8}", run.id)
    assert run.status == "queued" and run.kind == "build" and run.tenant is None
    assert run.phases == tuple(name for name, _ in PHASES)
    assert run.options == {"budget_tokens": 1000}
    assert run.out_dir == str(tmp_path / "out") and run.request == "a todo app"
    assert run.created_at.endswith("Z") and run.finished_at is None
    phases = journal.phases(run.id)
    assert [(p.name, p.role, p.idx) for p in phases] == [
        (name, role, i) for i, (name, role) in enumerate(PHASES)
    ]
    assert all(p.status == "pending" and p.attempts == 0 for p in phases)


def test_run_lifecycle_keeps_totals(journal: Journal, run: RunRecord) -> None:
    journal.mark_running(run.id, pid=4242)
    for name, _ in PHASES:
        finish(journal, run.id, name, (100, 10, 1.5))
    journal.set_run_status(run.id, "succeeded", verdict="shipped")
    got = journal.get_run(run.id)
    assert got.status == "succeeded" and got.verdict == "shipped" and got.pid == 4242
    assert got.finished_at is not None
    prompt, completion, seconds = journal.usage(run.id)
    assert (prompt, completion) == (700, 70) and seconds == pytest.approx(10.5)
    assert (got.prompt_tokens, got.completion_tokens) == (700, 70)
    pm = journal.phases(run.id)[0]
    assert pm.status == "done" and pm.verdict == "ok" and pm.commit_sha == "sha-pm"
    assert pm.input == {"step": "pm"} and pm.output == {"files": ["pm.md"]}
    assert pm.attempts == 1 and pm.model == "scripted" and pm.finished_at is not None
    assert journal.next_phase(run.id) is None


def test_failed_attempts_count_and_a_retry_finishes(journal: Journal, run: RunRecord) -> None:
    journal.phase_started(run.id, "pm", {})
    journal.phase_failed(run.id, "pm", "bad json", prompt_tokens=5, completion_tokens=2, seconds=1)
    failed = journal.phases(run.id)[0]
    assert failed.status == "failed" and failed.error == "bad json"
    assert journal.next_phase(run.id) == failed
    finish(journal, run.id, "pm", (10, 3, 2.0))
    pm = journal.phases(run.id)[0]
    assert pm.status == "done" and pm.error is None and pm.attempts == 2
    assert (pm.prompt_tokens, pm.completion_tokens, pm.seconds) == (15, 5, 3.0)
    assert journal.usage(run.id) == (15, 5, 3.0)


def test_a_done_phase_is_never_redone(journal: Journal, run: RunRecord) -> None:
    finish(journal, run.id, "pm", (1, 1, 1.0))
    with pytest.raises(JournalError, match="already done"):
        journal.phase_started(run.id, "pm", {})
    with pytest.raises(JournalError, match="already done"):
        finish(journal, run.id, "pm", (1, 1, 1.0))
    assert journal.usage(run.id) == (1, 1, 1.0)


def test_next_phase_after_partial_completion(journal: Journal, run: RunRecord) -> None:
    assert journal.next_phase(run.id).name == "pm"  # type: ignore[union-attr]
    finish(journal, run.id, "pm", (1, 1, 0.1))
    finish(journal, run.id, "architect", (1, 1, 0.1))
    journal.phase_skipped(run.id, "qa", "no tests wanted")
    journal.phase_started(run.id, "engineer", {"try": 1})  # started, never finished
    nxt = journal.next_phase(run.id)
    assert nxt is not None and nxt.name == "engineer" and nxt.status == "running"


def test_prefix_lookup_and_missing_run(journal: Journal, run: RunRecord) -> None:
    assert journal.get_run(run.id[:5]).id == run.id
    assert journal.get_run(run.id[2:6]).id == run.id  # the "r-" may be left off
    with pytest.raises(JournalError, match=r"no run r-nothere; see `macrohard runs`"):
        journal.get_run("r-nothere")
    for call in (
        lambda: journal.phases("r-nothere"),
        lambda: journal.usage("r-nothere"),
        lambda: journal.set_run_status("r-nothere", "failed"),
        lambda: journal.add_event("r-nothere", "x", {}),
    ):
        with pytest.raises(JournalError, match="no run r-nothere"):
            call()
    with pytest.raises(JournalError, match="has no phase 'deploy'"):
        journal.phase_started(run.id, "deploy", {})


def test_ambiguous_prefix_is_refused(journal: Journal, tmp_path: Path) -> None:
    ids = {journal.create_run("x", tmp_path, "m", [], {}).id for _ in range(40)}
    with pytest.raises(JournalError, match="matches several runs"):
        journal.get_run("r-")
    assert {journal.get_run(i).id for i in ids} == ids


def test_list_runs_newest_first_with_filters(journal: Journal, tmp_path: Path) -> None:
    a = journal.create_run("a", tmp_path, "m", [], {}, tenant="acme")
    b = journal.create_run("b", tmp_path, "m", [], {}, kind="solve")
    c = journal.create_run("c", tmp_path, "m", [], {}, tenant="acme")
    journal.set_run_status(c.id, "failed", error="boom")
    assert [r.id for r in journal.list_runs()] == [c.id, b.id, a.id]
    assert [r.id for r in journal.list_runs(limit=2)] == [c.id, b.id]
    assert [r.id for r in journal.list_runs(tenant="acme")] == [c.id, a.id]
    assert [r.id for r in journal.list_runs(status="failed")] == [c.id]
    assert journal.get_run(b.id).kind == "solve" and journal.get_run(c.id).error == "boom"


def test_set_run_status_validates(journal: Journal, run: RunRecord) -> None:
    with pytest.raises(JournalError, match="unknown run status 'done'"):
        journal.set_run_status(run.id, "done")  # type: ignore[arg-type]


def test_duplicate_phase_names_are_refused(journal: Journal, tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="repeated: qa"):
        journal.create_run("x", tmp_path, "m", [("qa", "a"), ("qa", "b")], {})


def test_events_are_ordered_and_paged(journal: Journal, run: RunRecord) -> None:
    other = journal.create_run("other", "/tmp/o", "m", [], {})
    for i in range(25):
        journal.add_event(run.id, "log", {"i": i})
        journal.add_event(other.id, "log", {"i": i})
    logs = [e for e in journal.events(run.id) if e.kind == "log"]
    assert [e.data["i"] for e in logs] == list(range(25))
    assert all(e.run_id == run.id for e in logs)
    seen, after = [], 0
    while page := journal.events(run.id, after_id=after, limit=7):
        seen += page
        after = page[-1].id
    assert [e.id for e in seen] == sorted(e.id for e in journal.events(run.id))
    assert len({e.id for e in seen}) == len(seen) == 26  # run.created + 25 logs
    assert seen[0].kind == "run.created"


def test_lifecycle_writes_events(journal: Journal, run: RunRecord) -> None:
    journal.mark_running(run.id, 1)
    finish(journal, run.id, "pm", (3, 4, 0.5))
    journal.set_run_status(run.id, "stopped")
    kinds = [e.kind for e in journal.events(run.id)]
    assert kinds == ["run.created", "run.status", "phase.started", "phase.finished", "run.status"]
    done = journal.events(run.id)[3].data
    assert done["name"] == "pm" and done["commit_sha"] == "sha-pm" and done["prompt_tokens"] == 3


def test_json_columns_take_anything(journal: Journal, run: RunRecord) -> None:
    journal.phase_started(run.id, "pm", {"path": Path("/x"), "n": 1, "nested": {"a": [1, 2]}})
    assert journal.phases(run.id)[0].input == {"path": "/x", "n": 1, "nested": {"a": [1, 2]}}


def test_secret_guard_refuses_api_keys(
    journal: Journal, run: RunRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_API_KEY", "canary-0123456789")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # under 12 characters: not a secret worth guarding
    with pytest.raises(JournalError, match=r"\$X_API_KEY"):
        journal.phase_started(run.id, "pm", {"headers": {"auth": "Bearer canary-0123456789"}})
    with pytest.raises(JournalError, match=r"\$X_API_KEY"):
        journal.add_event(run.id, "log", {"msg": "key=canary-0123456789"})
    with pytest.raises(JournalError, match=r"\$X_API_KEY"):
        journal.create_run("use canary-0123456789", "/o", "m", [], {})
    with pytest.raises(JournalError, match="never the key"):
        journal.phase_finished(
            run.id,
            "pm",
            output={"env": {"X_API_KEY": "canary-0123456789"}},
            verdict="ok",
            commit_sha=None,
            model=None,
            prompt_tokens=0,
            completion_tokens=0,
            seconds=0.0,
        )
    assert journal.phases(run.id)[0].status == "pending"  # nothing was half-written
    journal.add_event(run.id, "log", {"msg": "abc and the key's name X_API_KEY are fine"})
