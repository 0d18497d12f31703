"""The default executor: a bounded pool of threads in this process.

Threads, not processes, because of where a build spends its time and memory:
- in child processes (the sandboxed test runs, git, ruff, bandit, the release's wheel build and
  fresh venv) and in model calls; the Python between them is small, so the GIL does not keep
  builds from overlapping (measured in docs/benchmarks.md, "Scale-out");
- an embedded model is loaded once per process (1.2-2 GiB of weights) and generation is
  memory-bandwidth bound: builds in threads share one copy, where a process pool would load one
  per worker and have them slow each other down on the same memory bus;
- the build code is already thread-safe: the API server runs its builds in threads, the journal
  keeps one connection per thread, the sandbox's uid slots are file locks.
What threads do not give is isolation: a build that kills the interpreter ends the batch (each
build resumes with `macrohard resume`, from the journal). Process isolation is the Ray executor.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from macrohard.errors import UserError
from macrohard.scale.base import Executor
from macrohard.scale.job import BuildJob, JobResult, run_job


class LocalExecutor(Executor):
    """At most `workers` builds at once in this process; the rest wait in the pool's queue."""

    name = "local"

    def __init__(self, workers: int = 2) -> None:
        if workers < 1:
            raise UserError(f"--workers must be at least 1 (got {workers})")
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mh-build")

    def submit(self, job: BuildJob) -> Future[JobResult]:
        return self._pool.submit(run_job, job)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
