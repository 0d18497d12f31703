"""The solve benchmark's tasks are sound, and its runner tells a fix from no fix.

For every task: the project's own tests pass on the snapshot the solver gets; the hidden tests
fail there (so the task is not already solved); and with the reference change on a branch the
runner scores it resolved. The reference change is the task's solution.patch, applied by a
`solve_fn` standing in for the solver; the real solver runs only in `macrohard bench solve`.
All of it runs in the real sandbox, as the benchmark does.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from macrohard.bench.solve import (
    DEFAULT_ROOT,
    SolveTask,
    load_tasks,
    prepare,
    run_bench,
    score,
)
from macrohard.errors import UserError
from macrohard.sandbox import Sandbox, default_sandbox

TASKS = Path(__file__).resolve().parents[2] / "examples" / "solve"
PERMISSIVE = {"MIT", "BSD-3-Clause", "BSD-2-Clause", "Apache-2.0", "ISC"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Ref", "-c", "user.email=ref@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def reference(task: SolveTask, repo: Path) -> dict[str, Any]:
    """A stand-in solver: the task's solution.patch, committed on a new branch."""
    git(repo, "checkout", "-q", "-b", "reference")
    git(repo, "apply", str(task.solution))
    git(repo, "commit", "-q", "-am", "reference change")
    git(repo, "checkout", "-q", "main")
    return {"branch": "reference", "verdict": "resolved", "tokens": 7, "run_id": None}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return default_sandbox()


def test_the_suite_has_at_least_ten_varied_tasks_with_licences() -> None:
    tasks = load_tasks(TASKS)
    assert TASKS == DEFAULT_ROOT
    assert len(tasks) >= 10
    kinds = Counter(t.kind for t in tasks)
    assert kinds["bug"] >= 4 and kinds["feature"] >= 5, kinds
    assert len({t.project for t in tasks}) >= 5
    assert len({t.id for t in tasks}) == len(tasks)
    for task in tasks:
        assert task.id == task.folder.name
        assert task.licence in PERMISSIVE, task.id
        assert task.request.strip() and task.hidden and task.own_tests, task.id
        assert task.solution.read_text().startswith("--- a/"), task.id
        assert any(p.name.upper().startswith("LICEN") for p in task.repo.iterdir()), task.id
        for rel in task.hidden:
            assert (task.hidden_dir / rel).is_file()
            assert not (task.repo / rel).exists()  # the solver never sees a hidden test
        # the request describes; it does not paste the hidden tests
        assert "def test_" not in task.request and "assert " not in task.request, task.id


def test_every_task_fails_unsolved_and_passes_with_its_reference_change(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    tasks = load_tasks(TASKS)
    rows: list[dict[str, Any]] = []
    report = tmp_path / "report.json"
    result = run_bench(tasks, tmp_path, reference, sandbox, rows.append, report_path=report)
    failed = [(r["id"], r["error"], r["failures"]) for r in rows if not r["resolved"]]
    assert failed == []
    assert result["summary_line"] == f"solve: {len(tasks)}/{len(tasks)} resolved"
    assert result["n"] == len(tasks) and result["tokens"] == 7 * len(tasks)
    assert result["claimed"] == len(tasks) and report.is_file()
    for task, row in zip(tasks, rows, strict=True):
        assert row["hidden_passed"] == row["hidden_total"] > 0, task.id
        assert row["own_failed"] == 0 and row["own_total"] > 0, task.id
        repo = tmp_path / task.id / "repo"
        # the solver's repository: one upstream commit, no hidden test, no reference change
        assert git(repo, "log", "--format=%an <%ae>|%s", "main").splitlines() == [
            f"Upstream <upstream@example.invalid>|upstream: {task.project} {task.version} snapshot"
        ]
        assert not any((repo / rel).exists() for rel in task.hidden)
        unsolved = score(task, repo, "main", sandbox)
        assert not unsolved["resolved"], task.id
        assert unsolved["hidden_passed"] < unsolved["hidden_total"], (task.id, unsolved)
        # the snapshot's own tests pass as given, and as many ran as on the reference branch
        assert unsolved["own_failed"] == 0 and not unsolved["error"], (task.id, unsolved)
        assert unsolved["own_total"] == row["own_total"], task.id
        assert unsolved["failures"], task.id


def test_a_change_that_breaks_or_deletes_the_projects_own_tests_is_not_resolved(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    [task] = load_tasks(TASKS, ["06-boltons-ceil"])
    repo = prepare(task, tmp_path)
    reference(task, repo)
    git(repo, "checkout", "-q", "reference")
    math = repo / "boltons" / "mathutils.py"
    math.write_text(math.read_text().replace("return options[i - 1]", "return options[0]"))
    git(repo, "commit", "-q", "-am", "fix ceil, break floor")
    git(repo, "checkout", "-q", "-b", "cheat", "reference~1")
    git(repo, "rm", "-q", "tests/test_mathutils.py")
    git(repo, "commit", "-q", "-m", "fix ceil, delete the tests")

    broken = score(task, repo, "reference", sandbox)
    assert not broken["resolved"] and broken["hidden_passed"] == broken["hidden_total"]
    assert broken["own_failed"] > 0
    assert any("floor" in line for line in broken["failures"]), broken["failures"]
    # the snapshot's test files are put back before scoring: deleting them does not help
    kept = score(task, repo, "cheat", sandbox)
    assert kept["resolved"] and kept["own_total"] == broken["own_total"]


def test_a_run_without_a_branch_or_with_a_crash_is_scored_unresolved(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    tasks = load_tasks(TASKS, "02-inflection-dasherize,05-boltons-clamp")

    def flaky(task: SolveTask, repo: Path) -> dict[str, Any]:
        if task.kind == "bug":
            return {"branch": None, "verdict": "unresolved", "tokens": 5, "seconds": 90.0}
        raise RuntimeError("model fell over")

    result = run_bench(tasks, tmp_path, flaky, sandbox)
    first, second = result["tasks"]
    assert result["summary_line"] == "solve: 0/2 resolved"
    assert first["error"] == "the solver delivered no branch" and first["seconds"] == 90.0
    assert second["verdict"] == "error" and "model fell over" in second["solve_error"]
    assert result["by_kind"] == {"feature": "0/1", "bug": "0/1"}
    assert result["median_minutes"] > 0
    missing = score(tasks[0], tmp_path / tasks[0].id / "repo", "no-such-branch", sandbox)
    assert not missing["resolved"] and "cannot export" in missing["error"]


@pytest.mark.parametrize(
    "only",
    ["05-boltons-clamp", "05-boltons-clamp,08-boltons-indent", ["08-boltons-indent"]],
)
def test_tasks_can_be_picked_by_id(only: str | list[str]) -> None:
    expected = only.split(",") if isinstance(only, str) else only
    assert [t.id for t in load_tasks(TASKS, only)] == expected


def test_unknown_or_broken_tasks_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no such solve task.*99-nothing"):
        load_tasks(TASKS, "05-boltons-clamp,99-nothing")
    bad = tmp_path / "01-bad"
    (bad / "repo").mkdir(parents=True)
    (bad / "request.md").write_text("Please add x().")
    (bad / "task.toml").write_text(
        'id = "01-bad"\nkind = "chore"\nproject = "p"\nversion = "1"\nlicence = "MIT"\n'
        'hidden = ["test_x.py"]\n'
    )
    with pytest.raises(UserError, match=r"kind 'chore'.*hidden test 'test_x\.py'"):
        load_tasks(tmp_path)
