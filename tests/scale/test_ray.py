"""The Ray executor on a local runtime (2 CPUs): the same builds as local, and a build whose
worker is killed mid-build is retried in a new worker that resumes its run."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from macrohard.journal import Journal, RunRecord
from macrohard.scale import LocalExecutor, RayExecutor, run_all

from .helpers import assert_shipped, job, phase_commits, product

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    executor = RayExecutor(workers=2)
    try:
        yield executor
    finally:
        executor.shutdown()


def test_ray_builds_the_same_repositories_as_local(
    ray_executor: RayExecutor, tmp_path: Path
) -> None:
    names = ("alpha", "beta")
    on_ray = run_all(ray_executor, [job(tmp_path / "ray" / n, tmp_path / "j.db") for n in names])
    with LocalExecutor(workers=2) as local:
        here = run_all(local, [job(tmp_path / "local" / n, tmp_path / "j.db") for n in names])
    for name, remote, mine in zip(names, on_ray, here, strict=True):
        assert_shipped(remote)
        assert_shipped(mine)
        assert remote.pid != os.getpid()  # built in a Ray worker process
        assert product(tmp_path / "ray" / name) == product(tmp_path / "local" / name)
    assert len({r.pid for r in on_ray}) == 2  # both workers took one


def test_a_build_whose_worker_dies_is_resumed_by_the_retry(
    ray_executor: RayExecutor, tmp_path: Path
) -> None:
    out, journal_path = tmp_path / "proj", tmp_path / "j.db"
    future = ray_executor.submit(job(out, journal_path))
    run = _first_phase_done(Journal(journal_path), out)
    assert run.pid is not None and run.pid != os.getpid()
    os.kill(run.pid, signal.SIGKILL)  # the worker dies mid-build

    result = future.result(timeout=240)
    assert_shipped(result)
    assert result.resumed and result.run_id == run.id and result.pid != run.pid
    assert [r.id for r in Journal(journal_path).list_runs()] == [run.id]  # no second run
    phases = phase_commits(out)
    assert len(phases) == len(set(phases)), phases  # nothing committed twice


def _first_phase_done(journal: Journal, out: Path, timeout: float = 120) -> RunRecord:
    """The job's run once its first phase is committed (the worker is then mid-build)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in journal.list_runs(status="running"):
            if run.out_dir == str(out.resolve()) and any(
                p.status == "done" for p in journal.phases(run.id)
            ):
                return run
        time.sleep(0.02)
    raise AssertionError(f"no phase of the build in {out} finished within {timeout} s")


def test_ray_workers_reach_the_shared_model_service(
    ray_executor: RayExecutor, tmp_path: Path
) -> None:
    from macrohard.bench.scale import REQUEST, scripted_company
    from macrohard.models.service import SPEC_ENV, ModelService
    from macrohard.scale import BuildJob

    spec = "embedded:qwen2.5-coder-0.5b"  # what the build asks for; the service answers it
    with ModelService(scripted_company) as service:
        env = {**service.env, SPEC_ENV: spec}
        with RayExecutor(workers=1, env=env) as executor:  # joins the fixture's runtime
            build = BuildJob(REQUEST, tmp_path / "p", spec, journal=tmp_path / "j.db")
            (result,) = run_all(executor, [build])
    assert_shipped(result)
    assert result.pid != os.getpid()
    assert result.report["model"] == "scripted-scale"  # no weights loaded in the worker
