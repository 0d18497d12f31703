"""Many builds at once, behind one interface: the `local` executor (a bounded thread pool, the
default) and `ray` (tasks on a Ray runtime, the optional extra `macrohard[ray]`).

    with executor_for("ray", workers=4) as executor:
        results = run_all(executor, [BuildJob(request, Path("out/a"), "embedded"), ...])

Both call the same `run_job(job)`, so a build is the same build wherever it runs; a job retried
after its worker died resumes the run its first attempt journaled.
"""

from macrohard.scale.base import Executor, run_all
from macrohard.scale.factory import EXECUTORS, executor_for, shared_model
from macrohard.scale.job import BuildJob, JobResult, ModelFactory, run_job
from macrohard.scale.local import LocalExecutor
from macrohard.scale.ray_executor import RayExecutor

__all__ = [
    "EXECUTORS",
    "BuildJob",
    "Executor",
    "JobResult",
    "LocalExecutor",
    "ModelFactory",
    "RayExecutor",
    "executor_for",
    "run_all",
    "run_job",
    "shared_model",
]
