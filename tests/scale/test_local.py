"""The local executor: concurrent scripted builds, real sandbox, git and journal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from macrohard.errors import UserError
from macrohard.journal import Journal
from macrohard.scale import LocalExecutor, executor_for, run_all, run_job

from .helpers import assert_shipped, files, job, phase_commits


def test_three_builds_run_at_once_and_each_ships(tmp_path: Path) -> None:
    journal = tmp_path / "journal.db"
    jobs = [job(tmp_path / f"p{i}", journal) for i in range(3)]
    with LocalExecutor(workers=3) as executor:
        results = run_all(executor, jobs)
    assert [r.name for r in results] == ["p0", "p1", "p2"]
    for result in results:
        assert_shipped(result)
        assert not result.resumed and result.pid == os.getpid()
    # concurrent: every build started before any had finished
    assert max(r.started for r in results) < min(r.finished for r in results)
    assert len({r.run_id for r in results}) == 3
    runs = Journal(journal).list_runs()
    assert {r.id for r in runs} == {r.run_id for r in results}
    assert all(r.status == "succeeded" for r in runs)
    # one request, one product: the same files (README and pyproject name their folder)
    assert len({tuple(files(tmp_path / f"p{i}")) for i in range(3)}) == 1


CRASHING_CHILD = """
import sys
from pathlib import Path
from macrohard.bench.scale import REQUEST, scripted_company
from macrohard.scale import BuildJob, run_job
run_job(BuildJob(REQUEST, Path(sys.argv[1]), scripted_company, journal=Path(sys.argv[2])))
"""


@pytest.mark.parametrize(
    "crash_at",
    [3, 5, 27],
    ids=["killed-before-running", "killed-before-the-first-commit", "killed-mid-build"],
)
def test_a_job_run_again_resumes_the_run_its_killed_attempt_left(
    tmp_path: Path, crash_at: int
) -> None:
    """What a Ray retry does after a worker died, here without Ray: the first attempt is
    SIGKILLed at a durable step (macrohard._crashpoint), the second continues its run."""
    out, journal = tmp_path / "proj", tmp_path / "journal.db"
    env = {**os.environ, "MACROHARD_CRASH_AT": str(crash_at)}
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_CHILD, str(out), str(journal)],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    killed = Journal(journal).list_runs()
    assert len(killed) == 1 and killed[0].status in ("queued", "running")

    result = run_job(job(out, journal))
    assert_shipped(result)
    assert result.resumed and result.run_id == killed[0].id
    assert len(Journal(journal).list_runs()) == 1  # resumed, not a second run
    phases = phase_commits(out)
    assert len(phases) == len(set(phases)), phases  # no phase committed twice

    again = run_job(job(out, journal))  # the job once more: its finished run, not a new build
    assert again.ok and again.resumed and again.run_id == result.run_id


def test_a_folder_holding_another_project_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "theirs"
    out.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    (out / "x.txt").write_text("theirs\n")
    subprocess.run(["git", "-C", str(out), "add", "x.txt"], check=True)
    subprocess.run(
        ["git", "-C", str(out), "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "x"],
        check=True,
    )
    result = run_job(job(out, tmp_path / "journal.db"))
    assert result.verdict == "error" and "already holds a project" in (result.error or "")


def test_an_unknown_executor_names_the_known_ones() -> None:
    with pytest.raises(UserError, match=r"unknown executor 'dask'; use one of: local, ray"):
        executor_for("dask")


def test_without_ray_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets when not installed
    with pytest.raises(UserError, match=r"pip install 'macrohard\[ray\]'"):
        executor_for("ray")


def test_workers_must_be_positive() -> None:
    with pytest.raises(UserError, match="at least 1"):
        executor_for("local", 0)
