"""Running one claimed build: in the server's own thread, or in a child process of its own.

`execute` is the one place that turns a build record into a `Company` run and an `Ending`. The
service calls it in a worker thread (`isolation="thread"`: simple, shares the model cache), or has
`run_in_child` call it in a spawned process (`isolation="process"`, what `macrohard serve` does):
then the build's Python work never holds the API's GIL, and the whole process (its threads and
every tool it starts) runs at the build niceness, so the API's event loop gets a CPU at once.

A child opens its own SQLite connections (journal and builds, both WAL), updates the build's run
id and tokens as it goes, and sends its `Ending` back through a pipe. Cancelling sets a
multiprocessing Event the child's run checks before each model call and phase.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from macrohard.api.builds import BuildRecord, Builds, BuildStatus
from macrohard.api.settings import Settings
from macrohard.api.store import Store
from macrohard.company import Company, Outcome
from macrohard.company.budget import CancelFlag
from macrohard.errors import MacrohardError
from macrohard.journal import Journal
from macrohard.sandbox import Sandbox

log = logging.getLogger(__name__)

#: spawn, not fork: the server has threads (and SQLite connections) a forked child must not inherit
CONTEXT = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Ending:
    """How a build's run ended, as the service records it."""

    status: BuildStatus
    verdict: str | None = None
    error: str | None = None
    tokens: int | None = None


def execute(
    settings: Settings,
    sandbox: Sandbox,
    builds: Builds,
    journal: Journal,
    record: BuildRecord,
    cancel: CancelFlag,
    started: Callable[[Company], None] = lambda company: None,
) -> Ending:
    """Builds (or resumes) `record` with a company of the server's settings; never raises."""
    try:
        company = Company(
            settings.model_factory(record.model),
            journal=journal,
            sandbox=sandbox,
            workflow=settings.workflow,
            gates=settings.gates,
            cancel=cancel,
        )
        company.on_event = lambda kind, data: _on_event(builds, record.id, company, kind, data)
        started(company)
        outcome = _build_or_resume(settings, company, record)
    except MacrohardError as exc:
        return Ending("failed", error=str(exc))
    except Exception:
        log.exception("build %s failed with an unexpected error", record.id)
        return Ending("failed", error="internal error; see the server log")
    tokens = outcome.report.get("tokens", {}).get("total")
    status: BuildStatus = outcome.status  # type: ignore[assignment]
    return Ending(status, outcome.verdict, journal.get_run(outcome.run_id).error, tokens)


def _build_or_resume(settings: Settings, company: Company, record: BuildRecord) -> Outcome:
    if record.run_id is not None:
        return company.resume(record.run_id)
    out = Path(record.out_dir)
    if out.exists():  # a crash before the run was recorded: start that folder afresh
        shutil.rmtree(out)
    return company.build(
        record.request,
        out,
        budget_tokens=record.budget_tokens,
        max_minutes=settings.max_minutes,
    )


def _on_event(
    builds: Builds, build_id: str, company: Company, kind: str, data: dict[str, Any]
) -> None:
    if kind == "run.started":
        builds.set_run_id(build_id, str(data["run_id"]))
    elif kind in ("model.call", "phase.finished", "phase.failed") and company.budget:
        builds.set_tokens(build_id, company.budget.spent_tokens)


def lower_priority(who: int, nice: int) -> None:
    """At least niceness `nice` for thread or process `who` (0: the caller) and what it starts
    (Linux: niceness is per thread). Absolute, never lower than it already is."""
    if sys.platform == "linux" and nice > 0:
        os.setpriority(os.PRIO_PROCESS, who, max(os.getpriority(os.PRIO_PROCESS, who), nice))


# -- process isolation -------------------------------------------------------------------------
def check_picklable(settings: Settings, sandbox: Sandbox) -> None:
    """Process isolation sends the settings to each child: say so early if they cannot go."""
    try:
        pickle.dumps((settings, sandbox))
    except Exception as exc:
        raise ValueError(
            "isolation='process' sends the server's Settings to each build process, but they "
            f"cannot be pickled ({exc}); use a module-level model_factory, or isolation='thread'"
        ) from exc


def new_cancel_flag() -> CancelFlag:
    event: CancelFlag = CONTEXT.Event()
    return event


def run_in_child(
    settings: Settings,
    sandbox: Sandbox,
    record: BuildRecord,
    cancel: CancelFlag,
    stopping: Callable[[], bool],
    grace_seconds: float = 10.0,
) -> Ending:
    """Runs the build in a spawned process and waits for it (without holding the GIL)."""
    receive, send = CONTEXT.Pipe(duplex=False)
    process = CONTEXT.Process(
        target=_child,
        args=(settings, sandbox, record, cancel, send),
        name=f"mh-build-{record.id}",
        daemon=True,
    )
    process.start()
    send.close()  # the child holds the only writing end: EOF when it exits
    ending: Ending | None = None
    kill_at: float | None = None
    try:
        while process.is_alive():
            if receive.poll(0.25):  # an ending, or EOF: the child is gone
                ending = _receive(receive)
                break
            if stopping() and kill_at is None:  # cancel flags are set: it should stop soon
                kill_at = time.monotonic() + grace_seconds
            if kill_at is not None and time.monotonic() > kill_at:
                log.warning("build %s: its process did not stop in time; killed", record.id)
                process.kill()
        if ending is None and receive.poll(0):
            ending = _receive(receive)
    finally:
        process.join()
        receive.close()
    if ending is None:
        return Ending("failed", error=f"the build process exited with status {process.exitcode}")
    return ending


def _receive(receive: Connection) -> Ending | None:
    """The child's ending from a ready pipe; None at the EOF of a child that died without one."""
    try:
        ending: Ending = receive.recv()
    except (EOFError, OSError):
        return None
    return ending


def _child(
    settings: Settings,
    sandbox: Sandbox,
    record: BuildRecord,
    cancel: CancelFlag,
    send: Connection,
) -> None:
    lower_priority(0, settings.build_nice)  # the whole process and all it starts
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    builds = Builds(Store(settings.api_db), settings.builds_dir)
    journal = Journal(settings.journal_db)
    try:
        send.send(execute(settings, sandbox, builds, journal, record, cancel))
    finally:
        send.close()
