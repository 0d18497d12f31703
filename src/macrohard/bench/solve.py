"""`bench solve`: run `solve` on small real projects and score each change with hidden tests.

Each task in examples/solve/<id>/ is a snapshot of an open-source project (`repo/`) with one
feature removed or one bug put in, the request a client would write (`request.md`), and the
project's own tests for that feature held back in `hidden/`. The solver gets a fresh git
repository of `repo/` and the request, nothing else: the hidden tests never enter its repository.

Scoring exports the tree of the solver's branch into a scratch folder outside that repository,
puts back the snapshot's own test files (so a change that edits or deletes a test cannot pass by
it; tests the solver added are not scored), copies the hidden tests in, and runs pytest in the
sandbox twice: the project's own test files, then the hidden ones. A task is resolved when every
hidden test passes and none of the project's own tests fails. `solution.patch`, the reference
change, only validates the tasks (tests/bench/test_solve_tasks.py); the solver never sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macrohard.errors import UserError
from macrohard.gates.base import GateResult
from macrohard.gates.tests import TestsGate
from macrohard.sandbox import Sandbox
from macrohard.workspace import Identity, Workspace
from macrohard.workspace.repo import WorkspaceError

#: examples/solve of a source checkout (the CLI passes its own folder)
DEFAULT_ROOT = Path(__file__).resolve().parents[3] / "examples" / "solve"
UPSTREAM = Identity("Upstream", "upstream@example.invalid")
KINDS = ("feature", "bug")
TEST_TIMEOUT = 300.0
#: what is never copied from a snapshot into a task repository
_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".macrohard")

#: solve_fn(task, repo) -> {"branch": str | None, "verdict": str, "tokens": int,
#: "seconds": float (optional), "run_id": str | None}
SolveFn = Callable[["SolveTask", Path], dict[str, Any]]


@dataclass(frozen=True)
class SolveTask:
    id: str
    kind: str  # "feature" | "bug"
    project: str
    version: str
    licence: str
    source: str  # the PyPI sdist it comes from, e.g. "inflection==0.5.1"
    request: str
    folder: Path
    hidden: tuple[str, ...]  # paths the hidden test files take inside the repository
    own_tests: tuple[str, ...]  # the snapshot's own test files (relative, sorted)
    test_cmd: str | None = None  # for the solver; scoring always runs pytest on the files
    notes: str = ""

    @property
    def repo(self) -> Path:
        return self.folder / "repo"

    @property
    def hidden_dir(self) -> Path:
        return self.folder / "hidden"

    @property
    def solution(self) -> Path:
        return self.folder / "solution.patch"


def is_test_file(rel: str) -> bool:
    """pytest's default test file names."""
    name = rel.rsplit("/", 1)[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _test_support(rel: str) -> bool:
    """Files scoring puts back from the snapshot: test files, conftest.py, files under tests/."""
    parts = rel.split("/")
    return is_test_file(rel) or parts[-1] == "conftest.py" or "tests" in parts[:-1]


def _snapshot_files(repo: Path) -> list[str]:
    skip = {"__pycache__", ".pytest_cache", ".macrohard"}
    return sorted(
        p.relative_to(repo).as_posix()
        for p in repo.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(repo).parts)
    )


def _load(folder: Path) -> SolveTask:
    where = folder / "task.toml"
    try:
        meta = tomllib.loads(where.read_text())
        hidden = tuple(meta["hidden"])
        task = SolveTask(
            id=meta["id"],
            kind=meta["kind"],
            project=meta["project"],
            version=meta["version"],
            licence=meta["licence"],
            source=meta.get("source", f"{meta['project']}=={meta['version']}"),
            request=(folder / "request.md").read_text(),
            folder=folder,
            hidden=hidden,
            own_tests=tuple(rel for rel in _snapshot_files(folder / "repo") if is_test_file(rel)),
            test_cmd=meta.get("test_cmd"),
            notes=meta.get("notes", ""),
        )
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"bad solve task {folder}: {type(exc).__name__}: {exc}") from exc
    problems = []
    if task.kind not in KINDS:
        problems.append(f"kind {task.kind!r} is not one of {KINDS}")
    if not task.request.strip():
        problems.append("request.md is empty")
    if not task.repo.is_dir():
        problems.append("no repo/ folder")
    if not hidden:
        problems.append("no hidden tests")
    for rel in hidden:
        if not is_test_file(rel) or not (task.hidden_dir / rel).is_file():
            problems.append(f"hidden test {rel!r} is not a test file in hidden/")
        if (task.repo / rel).exists():
            problems.append(f"hidden test {rel!r} is also in repo/")
    if problems:
        raise UserError(f"bad solve task {folder}: " + "; ".join(problems))
    return task


def load_tasks(
    root: Path = DEFAULT_ROOT, only: Sequence[str] | str | None = None
) -> list[SolveTask]:
    """The tasks under `root` (folders with task.toml), sorted by folder name; `only` picks
    some by id or folder name (a list, or a comma-separated string)."""
    if not root.is_dir():
        raise UserError(f"no solve tasks at {root} (expected folders with task.toml)")
    if isinstance(only, str):
        only = [w.strip() for w in only.split(",") if w.strip()]
    wanted = set(only) if only else None
    tasks = []
    seen: set[str] = set()
    for folder in sorted(p for p in root.iterdir() if (p / "task.toml").is_file()):
        task = _load(folder)
        seen.update((task.id, folder.name))
        if wanted is None or task.id in wanted or folder.name in wanted:
            tasks.append(task)
    if wanted is not None and (unknown := sorted(wanted - seen)):
        raise UserError(f"no such solve task in {root}: {', '.join(unknown)}")
    if not tasks:
        raise UserError(f"no tasks selected in {root}")
    return tasks


def prepare(task: SolveTask, work: Path) -> Path:
    """`work/<id>/repo`: a fresh git repository (branch main) of the task's snapshot, one commit
    by Upstream. The hidden tests and the reference change stay out of it."""
    repo = work / task.id / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    ws = Workspace.init(repo)
    shutil.copytree(task.repo, ws.path, ignore=_JUNK, dirs_exist_ok=True)
    ws._git("add", "-A")
    message = f"upstream: {task.project} {task.version} snapshot"
    ws._git("commit", "-q", "--no-verify", "-m", message, who=UPSTREAM)
    return ws.path


def _export(repo: Path, ref: str, into: Path) -> None:
    """The tree of commit `ref` of `repo`, written into the folder `into`."""
    ws = Workspace(repo)
    sha = ws._git("rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}").stdout.strip()
    archive = into.parent / "tree.tar"
    ws._git("archive", "--format=tar", "-o", str(archive), sha)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()


_NONE: tuple[int, int, int, list[str]] = (0, 0, 0, [])


def _counts(gate: GateResult) -> tuple[int, int, int, list[str]]:
    """passed, failed, total and short failure lines of one pytest run."""
    details = gate.details
    if "total" not in details:  # pytest did not run (or timed out)
        said = "; ".join(f.message for f in gate.findings)[:300]
        return 0, 1, 1, [f"{gate.summary}: {said}" if said else gate.summary]
    lines = []
    for failure in details["failures"]:
        where = "::".join(x for x in (failure["classname"], failure["test"]) if x)
        first = next((ln for ln in failure["message"].splitlines() if ln.strip()), "")
        lines.append(f"{where}: {first.strip()}"[:240])
    return details["passed"], details["failed"], details["total"], lines


def _unscored(error: str) -> dict[str, Any]:
    return {
        "resolved": False,
        "hidden_passed": 0,
        "hidden_total": 0,
        "own_passed": 0,
        "own_failed": 0,
        "own_total": 0,
        "failures": [],
        "error": error,
    }


def score(
    task: SolveTask, repo: Path, ref: str, sandbox: Sandbox, timeout: float = TEST_TIMEOUT
) -> dict[str, Any]:
    """The project's own tests and the hidden tests on the tree of `ref` (a branch or commit).

    Returns {resolved, hidden_passed, hidden_total, own_passed, own_failed, own_total,
    failures (up to 10 short lines, hidden first), error ("" or why scoring failed)}."""
    result = _unscored("")
    # outside the work folder: a project config above it (this repository's pyproject) must not
    # become the scored project's pytest config
    with tempfile.TemporaryDirectory(prefix="mh-score-") as tmp:
        root = Path(tmp) / "tree"
        try:
            _export(repo, ref, root)
        except (WorkspaceError, tarfile.TarError, OSError) as exc:
            result["error"] = f"cannot export {ref!r}: {exc}"[:500]
            return result
        for rel in _snapshot_files(task.repo):
            if _test_support(rel):
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(task.repo / rel, root / rel)
        for rel in task.hidden:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(task.hidden_dir / rel, root / rel)
        gates = [TestsGate(paths=task.hidden, timeout=timeout).check(root, sandbox)]
        if task.own_tests:
            gates.append(TestsGate(paths=task.own_tests, timeout=timeout).check(root, sandbox))
    hidden_passed, _, hidden_total, hidden_lines = _counts(gates[0])
    own_passed, own_failed, own_total, own_lines = _counts(gates[1]) if task.own_tests else _NONE
    errors = [g.summary for g in gates if g.status == "error"]
    result.update(
        hidden_passed=hidden_passed,
        hidden_total=hidden_total,
        own_passed=own_passed,
        own_failed=own_failed,
        own_total=own_total,
        failures=(hidden_lines + own_lines)[:10],
        error="; ".join(errors),
        resolved=bool(
            hidden_total
            and hidden_passed == hidden_total
            and own_failed == 0
            and (own_total or not task.own_tests)
            and not errors
        ),
    )
    return result


def run_bench(
    tasks: Sequence[SolveTask],
    work: Path,
    solve_fn: SolveFn,
    sandbox: Sandbox,
    progress: Callable[[dict[str, Any]], None] | None = None,
    report_path: Path | None = None,
) -> dict[str, Any]:
    """Prepare each task's repository under `work`, let `solve_fn` change it, score its branch.
    `progress` gets each row when it is done; `report_path` (if any) is rewritten after each."""
    rows: list[dict[str, Any]] = []
    for task in tasks:
        repo = prepare(task, work)
        start = time.perf_counter()
        try:
            outcome = solve_fn(task, repo)
        except Exception as exc:  # one broken run must not lose the benchmark's other results
            outcome = {"verdict": "error", "error": f"{type(exc).__name__}: {exc}"[:1000]}
        seconds = float(outcome.get("seconds") or time.perf_counter() - start)
        branch = outcome.get("branch")
        row: dict[str, Any] = {
            "id": task.id,
            "kind": task.kind,
            "project": task.project,
            "verdict": outcome.get("verdict", "unknown"),
            "branch": branch,
            "run_id": outcome.get("run_id"),
            "tokens": int(outcome.get("tokens") or 0),
            "seconds": round(seconds, 1),
            "repo": str(repo),
        }
        if outcome.get("error"):
            row["solve_error"] = outcome["error"]
        if branch:
            row.update(score(task, repo, branch, sandbox))
        else:
            row.update(_unscored("the solver delivered no branch"))
        rows.append(row)
        if progress:
            progress(row)
        if report_path:
            write_report(make_report(rows), report_path)
    return make_report(rows)


def make_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    resolved = sum(1 for r in rows if r["resolved"])
    by_kind = {
        kind: f"{sum(1 for r in mine if r['resolved'])}/{len(mine)}"
        for kind in KINDS
        if (mine := [r for r in rows if r["kind"] == kind])
    }
    minutes = [r["seconds"] / 60 for r in rows]
    return {
        "benchmark": "solve",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "n": len(rows),
        "resolved": resolved,
        "claimed": sum(1 for r in rows if r["verdict"] == "resolved"),
        "by_kind": by_kind,
        "median_minutes": round(statistics.median(minutes), 2) if minutes else 0.0,
        "tokens": sum(int(r["tokens"]) for r in rows),
        "summary_line": f"solve: {resolved}/{len(rows)} resolved",
        "tasks": rows,
    }


def summary_line(report: dict[str, Any]) -> str:
    return str(report["summary_line"])


def write_report(result: dict[str, Any], path: Path, **meta: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**meta, **result}, indent=1) + "\n")
