"""`bench solve`: run `solve` on small real projects and score each change with hidden tests.

Each task in examples/solve/<id>/ is a snapshot of an open-source project (`repo/`) with one
feature removed or one bug put in, the request a client would write (`request.md`), and the
project's own tests for that feature held back in `hidden/`. The solver gets a git repository of
`repo/` and the request, nothing else. Afterwards the tree of its branch is exported to a scratch
folder, the hidden tests are copied in, and the project's tests run in the sandbox: a task is
resolved when every hidden test and every one of the project's own tests passes (the tests the
solver added are run but not scored). `solution.patch`, the reference change, only validates the
task in the test suite.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import statistics
import subprocess  # nosec B404 - git, on trusted task data
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macrohard.errors import UserError
from macrohard.sandbox import Sandbox
from macrohard.solve.testrun import TestCommand, belongs, parse_test_command, run_tests

UPSTREAM = ("-c", "user.name=Upstream", "-c", "user.email=upstream@example.invalid")
SolveFn = Callable[["SolveTask", Path], dict[str, Any]]


@dataclass(frozen=True)
class SolveTask:
    id: str
    kind: str
    project: str
    version: str
    licence: str
    request: str
    folder: Path
    hidden: tuple[str, ...]
    test_cmd: str | None = None

    @property
    def repo(self) -> Path:
        return self.folder / "repo"


def load_tasks(root: Path, only: str | None = None) -> list[SolveTask]:
    if not root.is_dir():
        raise UserError(f"no solve tasks at {root} (expected folders with task.toml)")
    wanted = {w.strip() for w in only.split(",")} if only else None
    tasks = []
    for folder in sorted(p for p in root.iterdir() if (p / "task.toml").is_file()):
        meta = tomllib.loads((folder / "task.toml").read_text())
        if wanted is not None and meta["id"] not in wanted and folder.name not in wanted:
            continue
        tasks.append(
            SolveTask(
                id=meta["id"],
                kind=meta["kind"],
                project=meta["project"],
                version=meta["version"],
                licence=meta["licence"],
                request=(folder / "request.md").read_text(),
                folder=folder,
                hidden=tuple(meta["hidden"]),
                test_cmd=meta.get("test_cmd"),
            )
        )
    if not tasks:
        raise UserError(f"no tasks selected in {root}")
    return tasks


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # nosec B603 B607 - git on our own scratch repository
        ["git", *UPSTREAM, *args], cwd=repo, capture_output=True, check=True
    )


def prepare(task: SolveTask, work: Path) -> Path:
    """A fresh git repository of the task's snapshot (hidden tests not included)."""
    repo = work / task.id / "repo"
    shutil.rmtree(repo.parent, ignore_errors=True)
    shutil.copytree(task.repo, repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"upstream: {task.project} {task.version} snapshot")
    return repo


def score(task: SolveTask, repo: Path, ref: str, sandbox: Sandbox) -> dict[str, Any]:
    """The hidden tests and the project's own tests on the tree of `ref`."""
    archive = _git(repo, "archive", "--format=tar", ref).stdout
    with tempfile.TemporaryDirectory(prefix="mh-score-") as tmp:
        root = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(root, filter="data")
        for rel in task.hidden:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(task.folder / "hidden" / rel, root / rel)
        command = parse_test_command(task.test_cmd) if task.test_cmd else TestCommand("pytest")
        run = run_tests(root, command, sandbox, extra=task.hidden)
    hidden = {t: o for t, o in run.outcomes.items() if any(belongs(t, h) for h in task.hidden)}
    # the project's own tests: those of the snapshot's test files (not the solver's new ones)
    originals = [str(p.relative_to(task.repo)) for p in task.repo.rglob("*.py")]
    own = {
        t: o
        for t, o in run.outcomes.items()
        if t not in hidden and any(belongs(t, rel) for rel in originals)
    }
    hidden_passed = sum(1 for o in hidden.values() if o == "passed")
    own_failed = sorted(t for t, o in own.items() if o == "failed")
    return {
        "resolved": bool(hidden) and hidden_passed == len(hidden) and not own_failed,
        "hidden_passed": hidden_passed,
        "hidden_total": len(hidden),
        "own_passed": sum(1 for o in own.values() if o == "passed"),
        "own_total": len(own),
        "own_failed": own_failed[:10],
        "error": run.error,
    }


def run_bench(
    tasks: list[SolveTask],
    work: Path,
    solve_fn: SolveFn,
    sandbox: Sandbox,
    on_task: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    rows = []
    for task in tasks:
        repo = prepare(task, work)
        start = time.perf_counter()
        outcome = solve_fn(task, repo)
        seconds = time.perf_counter() - start
        branch = outcome.get("branch")
        scored = score(task, repo, branch, sandbox) if branch else {"resolved": False}
        row = {
            "id": task.id,
            "kind": task.kind,
            "project": task.project,
            "verdict": outcome.get("verdict"),
            "tokens": outcome.get("tokens", 0),
            "seconds": round(seconds, 1),
            "run_id": outcome.get("run_id"),
            **scored,
        }
        rows.append(row)
        if on_task:
            on_task(row)
    resolved = sum(1 for r in rows if r["resolved"])
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tasks": rows,
        "resolved": resolved,
        "total": len(rows),
        "claimed": sum(1 for r in rows if r["verdict"] == "resolved"),
        "median_minutes": round(statistics.median(r["seconds"] for r in rows) / 60, 2),
        "tokens": sum(int(r["tokens"] or 0) for r in rows),
        "summary_line": f"solve: {resolved}/{len(rows)} resolved",
    }


def write_report(result: dict[str, Any], path: Path, **meta: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**meta, **result}, indent=1) + "\n")
