"""The Journal: runs, their phases, and an event stream, in one SQLite file shared by processes.

Every write is one `BEGIN IMMEDIATE` transaction, so writers are serialized: an event id becomes
visible only after every smaller id has, which is what a streaming reader paging by id needs.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from macrohard import _crashpoint as crashpoint
from macrohard.journal import db
from macrohard.journal.codec import refuse_secrets, to_json, utc_now
from macrohard.journal.records import (
    RUN_STATUSES,
    Event,
    JournalError,
    PhaseRecord,
    RunRecord,
    RunStatus,
    event_from_row,
    phase_from_row,
    run_from_row,
)

_FINISHED_RUN = ("succeeded", "failed", "stopped")


def default_path() -> Path:
    """$MACROHARD_HOME/journal.db, else $XDG_DATA_HOME/macrohard/journal.db, else ~/.local/share."""
    if home := os.environ.get("MACROHARD_HOME"):
        return Path(home).expanduser() / "journal.db"
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data).expanduser() / "macrohard" / "journal.db"


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists on this host and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # no /proc here: the signal check is all there is
    state = next((ln.split()[1] for ln in status.splitlines() if ln.startswith("State:")), "")
    return state not in ("Z", "X")


class Journal:
    """The event log of builds. One connection per thread (and per process after a fork)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        try:
            db.migrate(self._conn(), self.path)
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self.path}: {exc}") from exc

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = db.connect(self.path)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Closes this thread's connection; the next call opens a new one."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    @contextmanager
    def _write(self, what: str) -> Iterator[sqlite3.Connection]:
        crashpoint.point(f"journal {what}")
        try:
            with db.write(self._conn()) as conn:
                yield conn
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self.path}: {exc}") from exc

    def _read(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self.path}: {exc}") from exc

    @staticmethod
    def _event(conn: sqlite3.Connection, run_id: str, kind: str, data: Mapping[str, Any]) -> int:
        cur = conn.execute(
            "INSERT INTO events (run_id, ts, kind, data_json) VALUES (?, ?, ?, ?)",
            (run_id, utc_now(), kind, to_json(data, f"event {kind!r} data")),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    # runs

    def create_run(
        self,
        request: str,
        out_dir: str | Path,
        model: str,
        phases: Sequence[tuple[str, str]],
        options: Mapping[str, Any],
        kind: str = "build",
        tenant: str | None = None,
    ) -> RunRecord:
        """Records a queued run whose phases, (name, role) pairs, will run in the given order."""
        names = [name for name, _ in phases]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise JournalError(f"phase names must be unique; repeated: {', '.join(dupes)}")
        refuse_secrets(request, "the request")
        phases_json, options_json = to_json(names, "phases"), to_json(options, "options")
        now = utc_now()
        with self._write("create_run") as conn:
            run_id = f"r-{secrets.token_hex(4)}"
            while conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                run_id = f"r-{secrets.token_hex(4)}"
            conn.execute(
                "INSERT INTO runs (id, kind, request, out_dir, model, phases_json, options_json,"
                " created_at, updated_at, tenant) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    kind,
                    request,
                    str(out_dir),
                    model,
                    phases_json,
                    options_json,
                    now,
                    now,
                    tenant,
                ),
            )
            conn.executemany(
                "INSERT INTO phases (run_id, idx, name, role) VALUES (?, ?, ?, ?)",
                [(run_id, idx, name, role) for idx, (name, role) in enumerate(phases)],
            )
            self._event(conn, run_id, "run.created", {"kind": kind, "phases": names})
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> RunRecord:
        """The run with this id, or with this unique id prefix (the `r-` may be left off)."""
        rows = self._read("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows and run_id:
            rows = self._read(
                "SELECT * FROM runs WHERE substr(id, 1, length(:a)) = :a"
                " OR substr(id, 1, length(:b)) = :b ORDER BY id LIMIT 6",
                {"a": run_id, "b": f"r-{run_id}"},
            )
        if not rows:
            raise JournalError(f"no run {run_id}; see `macrohard runs`")
        if len(rows) > 1:
            ids = ", ".join(row["id"] for row in rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise JournalError(f"{run_id!r} matches several runs ({ids}); give more of the id")
        return run_from_row(rows[0])

    def list_runs(
        self, limit: int = 50, tenant: str | None = None, status: RunStatus | None = None
    ) -> list[RunRecord]:
        """Runs newest first, optionally only one tenant's or one status's."""
        rows = self._read(
            "SELECT * FROM runs WHERE (:tenant IS NULL OR tenant = :tenant)"
            " AND (:status IS NULL OR status = :status)"
            " ORDER BY created_at DESC, rowid DESC LIMIT :limit",
            {"tenant": tenant, "status": status, "limit": limit},
        )
        return [run_from_row(row) for row in rows]

    def set_run_status(
        self,
        run_id: str,
        status: RunStatus,
        *,
        verdict: str | None = None,
        error: str | None = None,
    ) -> None:
        """Moves a run to `status`; succeeded/failed/stopped also stamp finished_at."""
        if status not in RUN_STATUSES:
            raise JournalError(f"unknown run status {status!r}; one of {', '.join(RUN_STATUSES)}")
        if error is not None:
            refuse_secrets(error, "the error")
        now = utc_now()
        with self._write("set_run_status") as conn:
            self._update_run(
                conn,
                run_id,
                "status = ?, verdict = coalesce(?, verdict), error = coalesce(?, error),"
                " finished_at = ?, updated_at = ?",
                (status, verdict, error, now if status in _FINISHED_RUN else None, now),
            )
            data = {"status": status, "verdict": verdict, "error": error}
            self._event(conn, run_id, "run.status", data)

    def mark_running(self, run_id: str, pid: int) -> None:
        """Records that process `pid` on this host now drives the run."""
        now = utc_now()
        with self._write("mark_running") as conn:
            self._update_run(
                conn,
                run_id,
                "status = 'running', pid = ?, finished_at = NULL, updated_at = ?",
                (pid, now),
            )
            self._event(conn, run_id, "run.status", {"status": "running", "pid": pid})

    @staticmethod
    def _update_run(
        conn: sqlite3.Connection, run_id: str, assignments: str, params: Sequence[Any]
    ) -> None:
        sql = f"UPDATE runs SET {assignments} WHERE id = ?"  # noqa: S608 (literals from this module)
        cur = conn.execute(sql, (*params, run_id))
        if cur.rowcount != 1:
            raise JournalError(f"no run {run_id}; see `macrohard runs`")

    def interrupted_runs(self) -> list[RunRecord]:
        """Runs marked running whose process is gone from this host: what `resume` picks up."""
        rows = self._read("SELECT * FROM runs WHERE status = 'running' ORDER BY created_at")
        runs = [run_from_row(row) for row in rows]
        return [run for run in runs if run.pid is None or not pid_alive(run.pid)]

    def usage(self, run_id: str) -> tuple[int, int, float]:
        """(prompt_tokens, completion_tokens, seconds) spent by the run so far."""
        rows = self._read(
            "SELECT prompt_tokens, completion_tokens, seconds FROM runs WHERE id = ?", (run_id,)
        )
        if not rows:
            raise JournalError(f"no run {run_id}; see `macrohard runs`")
        return rows[0][0], rows[0][1], rows[0][2]

    # phases

    def phase_started(self, run_id: str, name: str, input: Mapping[str, Any]) -> None:
        """Marks a phase running and counts the attempt (a result of an earlier one is dropped)."""
        input_json = to_json(input, f"the input of phase {name!r}")
        with self._write("phase_started") as conn:
            self._update_phase(
                conn,
                run_id,
                name,
                "status = 'running', attempts = attempts + 1, started_at = ?,"
                " finished_at = NULL, input_json = ?, error = NULL, output_json = NULL,"
                " verdict = NULL",
                (utc_now(), input_json),
            )
            self._event(conn, run_id, "phase.started", {"name": name})

    def phase_finished(
        self,
        run_id: str,
        name: str,
        *,
        output: Mapping[str, Any],
        verdict: str,
        commit_sha: str | None,
        model: str | None,
        prompt_tokens: int,
        completion_tokens: int,
        seconds: float,
    ) -> None:
        """Marks a phase done, adds its usage to the run, and logs it: all or nothing."""
        output_json = to_json(output, f"the output of phase {name!r}")
        now = utc_now()
        usage = (prompt_tokens, completion_tokens, seconds)
        with self._write("phase_finished") as conn:
            self._update_phase(
                conn,
                run_id,
                name,
                "status = 'done', finished_at = ?, output_json = ?, verdict = ?, commit_sha = ?,"
                " model = coalesce(?, model), prompt_tokens = prompt_tokens + ?,"
                " completion_tokens = completion_tokens + ?, seconds = seconds + ?, error = NULL",
                (now, output_json, verdict, commit_sha, model, *usage),
            )
            self._add_usage(conn, run_id, usage, now)
            data = {
                "name": name,
                "verdict": verdict,
                "commit_sha": commit_sha,
                "model": model,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "seconds": seconds,
            }
            self._event(conn, run_id, "phase.finished", data)

    def phase_result(
        self,
        run_id: str,
        name: str,
        *,
        output: Mapping[str, Any],
        verdict: str,
        model: str | None,
        prompt_tokens: int,
        completion_tokens: int,
        seconds: float,
    ) -> None:
        """Records what a running phase produced, before its commit; the phase stays running.

        Its usage counts toward the run at once: it was spent even if the commit never happens.
        `phase_committed` then marks it done, so a commit found after a crash (by its trailers)
        is recorded with the output its phase had, never redone.
        """
        output_json = to_json(output, f"the output of phase {name!r}")
        now = utc_now()
        usage = (prompt_tokens, completion_tokens, seconds)
        with self._write("phase_result") as conn:
            self._update_phase(
                conn,
                run_id,
                name,
                "output_json = ?, verdict = ?, model = coalesce(?, model),"
                " prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,"
                " seconds = seconds + ?",
                (output_json, verdict, model, *usage),
            )
            self._add_usage(conn, run_id, usage, now)

    def phase_committed(self, run_id: str, name: str, commit_sha: str, verdict: str) -> None:
        """Marks done a phase whose work is in commit `commit_sha` (result from `phase_result`;
        `verdict`, read from the commit, fills in for a result never recorded)."""
        with self._write("phase_committed") as conn:
            self._update_phase(
                conn,
                run_id,
                name,
                "status = 'done', finished_at = ?, commit_sha = ?,"
                " verdict = coalesce(verdict, ?), error = NULL",
                (utc_now(), commit_sha, verdict),
            )
            row = conn.execute(
                "SELECT verdict, model, prompt_tokens, completion_tokens, seconds FROM phases"
                " WHERE run_id = ? AND name = ?",
                (run_id, name),
            ).fetchone()
            self._event(
                conn,
                run_id,
                "phase.finished",
                {"name": name, "commit_sha": commit_sha, **dict(row)},
            )

    def phase_failed(
        self,
        run_id: str,
        name: str,
        error: str,
        *,
        output: Mapping[str, Any] | None = None,
        model: str | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        seconds: float = 0.0,
    ) -> None:
        """Marks a phase failed; the usage it reports still counts toward the run's totals."""
        refuse_secrets(error, f"the error of phase {name!r}")
        output_json = None if output is None else to_json(output, f"the output of phase {name!r}")
        now = utc_now()
        usage = (prompt_tokens, completion_tokens, seconds)
        with self._write("phase_failed") as conn:
            self._update_phase(
                conn,
                run_id,
                name,
                "status = 'failed', finished_at = ?, error = ?,"
                " output_json = coalesce(?, output_json), model = coalesce(?, model),"
                " prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,"
                " seconds = seconds + ?",
                (now, error, output_json, model, *usage),
            )
            self._add_usage(conn, run_id, usage, now)
            self._event(conn, run_id, "phase.failed", {"name": name, "error": error})

    def phase_skipped(self, run_id: str, name: str, reason: str) -> None:
        """Marks a phase skipped (the workflow decided not to run it); next_phase passes it."""
        with self._write("phase_skipped") as conn:
            self._update_phase(
                conn, run_id, name, "status = 'skipped', finished_at = ?", (utc_now(),)
            )
            self._event(conn, run_id, "phase.skipped", {"name": name, "reason": reason})

    @staticmethod
    def _update_phase(
        conn: sqlite3.Connection, run_id: str, name: str, assignments: str, params: Sequence[Any]
    ) -> None:
        row = conn.execute(
            "SELECT status FROM phases WHERE run_id = ? AND name = ?", (run_id, name)
        ).fetchone()
        if row is None:
            raise JournalError(f"run {run_id} has no phase {name!r}")
        if row["status"] == "done":
            raise JournalError(f"phase {name!r} of run {run_id} is already done")
        sql = f"UPDATE phases SET {assignments} WHERE run_id = ? AND name = ?"  # noqa: S608
        conn.execute(sql, (*params, run_id, name))

    @staticmethod
    def _add_usage(
        conn: sqlite3.Connection, run_id: str, usage: tuple[int, int, float], now: str
    ) -> None:
        conn.execute(
            "UPDATE runs SET prompt_tokens = prompt_tokens + ?,"
            " completion_tokens = completion_tokens + ?, seconds = seconds + ?, updated_at = ?"
            " WHERE id = ?",
            (*usage, now, run_id),
        )

    def phases(self, run_id: str) -> list[PhaseRecord]:
        """The run's phases in workflow order."""
        rows = self._read("SELECT * FROM phases WHERE run_id = ? ORDER BY idx", (run_id,))
        if not rows and not self._read("SELECT 1 FROM runs WHERE id = ?", (run_id,)):
            raise JournalError(f"no run {run_id}; see `macrohard runs`")
        return [phase_from_row(row) for row in rows]

    def next_phase(self, run_id: str) -> PhaseRecord | None:
        """The first phase neither done nor skipped: where a resumed run continues."""
        return next((p for p in self.phases(run_id) if p.status not in ("done", "skipped")), None)

    # events

    def add_event(self, run_id: str, kind: str, data: Mapping[str, Any]) -> int:
        """Appends an event to the run's stream and returns its id."""
        with self._write("add_event") as conn:
            if not conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                raise JournalError(f"no run {run_id}; see `macrohard runs`")
            return self._event(conn, run_id, kind, data)

    def events(self, run_id: str, after_id: int = 0, limit: int = 1000) -> list[Event]:
        """The run's events with id > after_id, oldest first: page by passing the last id seen."""
        rows = self._read(
            "SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?",
            (run_id, after_id, limit),
        )
        return [event_from_row(row) for row in rows]
