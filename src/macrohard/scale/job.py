"""A build as a picklable job, and `run_job`: the one build function every executor calls.

The local executor calls `run_job` in a thread, the Ray executor in a worker process of the
cluster; both run exactly this code, so a build behaves the same wherever it lands. A job names
its output folder, and the folder identifies the build: a job run again after its worker died
resumes the run its first attempt journaled there (see `recover.py`) instead of starting over.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from macrohard.company import Company
from macrohard.errors import MacrohardError
from macrohard.journal import Journal
from macrohard.models import get_model
from macrohard.models.base import Model
from macrohard.sandbox import default_sandbox
from macrohard.scale.recover import earlier_run, finished_report

#: a model for one build, made where the build runs: a picklable module-level callable
ModelFactory = Callable[[], Model]


@dataclass(frozen=True)
class BuildJob:
    """Everything a worker needs to run one build; plain data, so it pickles to any process.

    `model` is a spec string (`embedded:...`, `openai:...`, `scripted:FILE`) or a module-level
    callable returning a fresh model (for models outside the registry, such as the bench's
    scripted company). `journal` None means the worker's default journal; paths are the worker's
    paths, so every worker must see the same folder and journal (one host; see RayExecutor).
    """

    request: str
    out_dir: Path
    model: str | ModelFactory
    journal: Path | None = None
    budget_tokens: int | None = None
    max_minutes: float | None = None
    unsafe_local: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        # absolute on the driver: a worker's working directory is not the driver's
        object.__setattr__(self, "out_dir", Path(self.out_dir).expanduser().resolve())
        if self.journal is not None:
            object.__setattr__(self, "journal", Path(self.journal).expanduser().resolve())

    @property
    def label(self) -> str:
        return self.name or self.out_dir.name


@dataclass(frozen=True)
class JobResult:
    """What came of a job, wherever it ran. `verdict` is the build's, or "error" when the build
    could not run at all (`error` says why); times are the worker's, `started`/`finished` in
    seconds since the epoch so a driver on the same host can line them up with its own clock."""

    name: str
    out_dir: str
    verdict: str
    run_id: str | None = None
    error: str | None = None
    seconds: float = 0.0
    tests_seconds: float = 0.0
    tokens: int = 0
    started: float = 0.0
    finished: float = 0.0
    pid: int = 0
    host: str = ""
    resumed: bool = False
    report: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.verdict == "shipped"


def run_job(job: BuildJob) -> JobResult:
    """Runs one build to its end: a new run, or the resumption of the run an earlier attempt of
    this job left in its folder. Build errors come back in the result, never as exceptions, so
    one bad request cannot take a batch down (bugs still raise: they should be seen)."""
    started, t0 = time.time(), time.perf_counter()
    where = _Where(os.getpid(), socket.gethostname(), started)
    journal: Journal | None = None
    try:
        journal = Journal(job.journal)
        company = Company(
            _model(job.model), journal=journal, sandbox=default_sandbox(job.unsafe_local)
        )
        earlier = earlier_run(journal, job.out_dir, job.request)
        if earlier is None:
            outcome = company.build(
                job.request,
                job.out_dir,
                budget_tokens=job.budget_tokens,
                max_minutes=job.max_minutes,
            )
            report = outcome.report
        elif earlier.status in ("succeeded", "failed", "stopped"):
            # the earlier attempt finished but its worker died before the result got back
            report = finished_report(earlier)
        else:
            report = company.resume(earlier.id).report
    except MacrohardError as exc:
        return JobResult(
            job.label,
            str(job.out_dir),
            "error",
            error=str(exc),
            seconds=time.perf_counter() - t0,
            finished=time.time(),
            pid=where.pid,
            host=where.host,
            started=where.started,
        )
    finally:
        if journal is not None:
            journal.close()  # this thread's connection; pool threads outlive the job
    return _result(job, report, earlier is not None, time.perf_counter() - t0, where)


@dataclass(frozen=True)
class _Where:
    pid: int
    host: str
    started: float


def _result(
    job: BuildJob, report: dict[str, Any], resumed: bool, seconds: float, where: _Where
) -> JobResult:
    gates: list[dict[str, Any]] = report.get("gates", [])
    tests = next((g for g in gates if g.get("gate") == "tests"), {})
    return JobResult(
        job.label,
        report.get("out_dir", str(job.out_dir)),
        report["verdict"],
        run_id=report.get("run_id"),
        seconds=seconds,
        tests_seconds=float(tests.get("seconds") or 0.0),
        tokens=int(report.get("tokens", {}).get("total", 0)),
        finished=time.time(),
        resumed=resumed,
        report=report,
        pid=where.pid,
        host=where.host,
        started=where.started,
    )


_SHARED: dict[str, Model] = {}
_SHARED_LOCK = threading.Lock()


def _model(spec: str | ModelFactory) -> Model:
    """A fresh model per build, except that builds in one process share one instance of a real
    model per spec: an embedded model's weights are loaded once per process and its instance
    holds the lock that keeps two threads from generating on them at once, so two instances of
    one spec in two threads would race on the same llama.cpp context. Fakes (ScriptedModel,
    FunctionModel: `real` False) keep per-build state and are never shared."""
    if not isinstance(spec, str):
        return spec()
    with _SHARED_LOCK:
        if spec in _SHARED:
            return _SHARED[spec]
        model = get_model(spec)
        if getattr(model, "real", True):
            _SHARED[spec] = model
        return model


__all__ = ["BuildJob", "JobResult", "ModelFactory", "run_job"]
