"""The Ray executor: each build a Ray task, in a worker process of a Ray cluster.

`ray.init(address=$RAY_ADDRESS)` joins a running cluster; without the variable a local runtime
starts with `workers` CPUs. Each build asks for one CPU, so `workers` builds run at once locally,
and on a cluster as many as its CPUs allow.

A worker that dies (killed, out of memory, its node gone) fails its task; Ray runs it again in a
new worker (`max_retries`, system failures only: a build's own errors come back as results). The
retry calls the same `run_job`, which finds the run the dead attempt journaled in the job's
folder and resumes it: phases already committed are not redone. `Company.resume` refuses a run
whose recorded process is still alive, so an attempt Ray wrongly gave up on is not doubled.

One host only, for now: a job's folder and its SQLite journal are paths on the worker's disk, and
SQLite's WAL needs every writer on one host. Joined to a cluster, builds are therefore pinned to
this driver's node; spreading them over nodes needs the PostgreSQL journal and the git store of
docs/scaling.md (sections 7-8).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

from macrohard.errors import UserError
from macrohard.scale.base import Executor
from macrohard.scale.job import BuildJob, JobResult, run_job

INSTALL_HINT = "pip install 'macrohard[ray]'"
#: retries of a build whose worker died (not of a build that failed on its own)
RETRIES = 2


def import_ray() -> Any:
    """The ray module, or a UserError naming the extra to install."""
    try:
        import ray
    except ImportError as exc:
        raise UserError(
            f"the ray executor needs Ray, which is not installed: {INSTALL_HINT}"
        ) from exc
    return ray


class RayExecutor(Executor):
    """Builds as Ray tasks; starts (and on shutdown stops) a local runtime unless one is up."""

    name = "ray"

    def __init__(
        self,
        workers: int = 2,
        *,
        retries: int = RETRIES,
        address: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if workers < 1:
            raise UserError(f"--workers must be at least 1 (got {workers})")
        ray = import_ray()
        self._ray = ray
        self.workers = workers
        address = address or os.environ.get("RAY_ADDRESS") or None
        self._owns_runtime = not ray.is_initialized()
        start = time.perf_counter()
        if self._owns_runtime:
            quiet: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
            if address:
                ray.init(address=address, **quiet)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, **quiet)
        self.startup_seconds = time.perf_counter() - start
        options: dict[str, Any] = {"num_cpus": 1, "max_retries": retries}
        if env:  # e.g. how to reach the shared model service (workers are other processes)
            options["runtime_env"] = {"env_vars": dict(env)}
        if address or len(ray.nodes()) > 1:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            here = ray.get_runtime_context().get_node_id()
            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(here, soft=False)
        self._task = ray.remote(**options)(run_job)

    def submit(self, job: BuildJob) -> Future[JobResult]:
        future: Future[JobResult] = self._task.remote(job).future()
        return future

    def shutdown(self) -> None:
        if self._owns_runtime and self._ray.is_initialized():
            self._ray.shutdown()
