"""Which run an earlier attempt of a job left in its folder: what a retried job continues.

A worker can die anywhere in a build. If the run already has a commit, its first commit on main
(`start: project for run R`, trailer `Macrohard-Run: R`) names it; if the worker died between
journaling the run and that commit, the journal alone knows it: a run still queued or running,
for this folder and request, whose process is gone. Either way `Company.resume` is the idempotent
path from there (finished phases are skipped, a commit whose phase was not journaled is found by
its trailers). A folder holding anything else is left to `Company.build`, which refuses it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from macrohard.company.policy import check_request
from macrohard.company.runner import REPORT
from macrohard.errors import UserError
from macrohard.journal import Journal, JournalError, RunRecord, pid_alive
from macrohard.workspace import Workspace

#: how many queued and running runs are searched for one killed before its first commit
UNFINISHED_SCAN = 1000


def earlier_run(journal: Journal, out_dir: Path, request: str) -> RunRecord | None:
    """The run of this request that an earlier attempt started in `out_dir`, if there is one."""
    path = out_dir.resolve()
    request = check_request(request)
    if (path / ".git").is_dir() and Workspace(path).head("main") is not None:
        run_id = _started_by(Workspace(path))
        if run_id is None:
            return None
        try:
            run = journal.get_run(run_id)
        except JournalError:
            return None  # started under another journal: not this job's to continue
        return run if run.out_dir == str(path) and run.request == request else None
    for status in ("running", "queued"):  # queued: killed before it was marked running
        for run in journal.list_runs(limit=UNFINISHED_SCAN, status=status):
            if (
                run.out_dir == str(path)
                and run.request == request
                and (run.pid is None or not pid_alive(run.pid))
            ):
                return run
    return None


def finished_report(run: RunRecord) -> dict[str, Any]:
    """The committed report of a run that has finished."""
    path = Path(run.out_dir) / REPORT
    try:
        report: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(
            f"run {run.id} finished ({run.status}) but its report {path} cannot be read: {exc}"
        ) from exc
    return report


def _started_by(ws: Workspace) -> str | None:
    """The run id in the trailers of main's first commit, when Macrohard made it."""
    first = ws.log("main", n=10_000)[-1]
    if not first.subject.startswith("start: project for run "):
        return None
    for line in first.body.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key == "Macrohard-Run":
            return value.strip()
    return None
