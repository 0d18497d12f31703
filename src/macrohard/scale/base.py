"""The executor interface: submit build jobs, get futures of their results, shut down.

Executors only place work; what a build does is `run_job`, the same everywhere. Futures are
`concurrent.futures.Future`s on every executor (Ray's object refs convert to them), so callers
wait, poll and gather the same way whichever executor runs the builds.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import Future, as_completed
from types import TracebackType

from macrohard.scale.job import BuildJob, JobResult


class Executor(ABC):
    """Runs build jobs, at most `workers` at a time; a context manager that shuts itself down."""

    #: the name `executor_for` knows it by
    name: str = ""
    #: builds at once
    workers: int = 1
    #: seconds the executor took to start (a Ray runtime takes several)
    startup_seconds: float = 0.0

    @abstractmethod
    def submit(self, job: BuildJob) -> Future[JobResult]:
        """Queues the job; the future holds its result (or the exception that lost it)."""

    @abstractmethod
    def shutdown(self) -> None:
        """Waits for the running jobs and releases the workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


def run_all(
    executor: Executor,
    jobs: Sequence[BuildJob],
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Submits every job at once and returns their results in job order. A job whose future
    fails (a bug in the build code, or a worker that died more often than the executor retries)
    becomes an "error" result naming the failure, so the rest of the batch still comes back."""
    futures = {executor.submit(job): i for i, job in enumerate(jobs)}
    results: list[JobResult | None] = [None] * len(jobs)
    for future in as_completed(futures):
        i = futures[future]
        results[i] = _result_of(future, jobs[i])
        if on_result is not None:
            on_result(results[i])  # type: ignore[arg-type]
    return [r for r in results if r is not None]


def _result_of(future: Future[JobResult], job: BuildJob) -> JobResult:
    exc = future.exception()
    if exc is None:
        return future.result()
    first = (str(exc).strip().splitlines() or [""])[-1]
    return JobResult(
        job.label,
        str(job.out_dir),
        "error",
        error=f"{type(exc).__name__}: {first}"[:500],
        finished=time.time(),
    )
