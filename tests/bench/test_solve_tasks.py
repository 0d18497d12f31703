"""The solve benchmark's tasks are sound, and its scorer tells a fix from no fix.

For every task: the project's own tests pass on the snapshot the solver gets; the hidden tests
fail there (so the task is not already solved); and with the reference change on a branch the
runner scores it resolved. The reference change is the task's solution.patch, applied by a
`solve_fn` standing in for the solver; the real solver runs only in `macrohard bench solve`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from macrohard.bench.solve import SolveTask, load_tasks, run_bench, score
from macrohard.sandbox import default_sandbox

TASKS = Path(__file__).resolve().parents[2] / "examples" / "solve"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Ref", "-c", "user.email=ref@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_the_suite_has_ten_tasks_of_both_kinds_with_licences() -> None:
    tasks = load_tasks(TASKS)
    assert len(tasks) >= 10
    assert {t.kind for t in tasks} == {"bug", "feature"}
    assert len({t.project for t in tasks}) >= 2
    for task in tasks:
        assert task.request.strip() and task.hidden
        assert any(p.name.startswith("LICEN") for p in task.repo.iterdir()), task.id
        for rel in task.hidden:
            assert (task.folder / "hidden" / rel).is_file()
            assert not (task.repo / rel).exists()  # the solver never sees a hidden test


def reference(task: SolveTask, repo: Path) -> dict[str, Any]:
    git(repo, "checkout", "-q", "-b", "reference")
    git(repo, "apply", str(task.folder / "solution.patch"))
    git(repo, "commit", "-q", "-am", "reference change")
    git(repo, "checkout", "-q", "main")
    return {"branch": "reference", "verdict": "resolved", "tokens": 0, "run_id": None}


def test_every_task_fails_unsolved_and_passes_with_its_reference_change(tmp_path: Path) -> None:
    sandbox = default_sandbox()
    tasks = load_tasks(TASKS)
    rows: list[dict[str, Any]] = []
    result = run_bench(tasks, tmp_path, reference, sandbox, rows.append)
    assert result["summary_line"] == f"solve: {len(tasks)}/{len(tasks)} resolved", rows
    for task in tasks:
        repo = tmp_path / task.id / "repo"
        unsolved = score(task, repo, "main", sandbox)
        assert not unsolved["resolved"], task.id
        assert unsolved["hidden_passed"] < unsolved["hidden_total"] or unsolved["error"], task.id
        assert unsolved["own_failed"] == [], task.id  # the snapshot's own tests pass as given


@pytest.mark.parametrize("only", ["05-boltons-clamp", "05-boltons-clamp,08-boltons-indent"])
def test_tasks_can_be_picked_by_id(only: str) -> None:
    assert [t.id for t in load_tasks(TASKS, only)] == only.split(",")
