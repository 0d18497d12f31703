"""Runs accepted builds in the background, at most `max_concurrent` at a time.

Each of `max_concurrent` worker threads takes builds from the queue and runs each as a
`Company.build` (or `resume`): in the thread itself, or in a child process it waits on
(`Settings.isolation`, api.execution). Cancelling sets the build's cancel flag, so it stops
cleanly before the next model call or phase. On shutdown running builds
are stopped the same way and marked interrupted; the next server start resumes them (and builds
a crashed server left running), and queues again the ones never started.

Waiting builds sit in a `FairQueue` (api.queue): higher priority first, tenants taking turns
within a priority; the queue is rebuilt from the builds table on every start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from macrohard.api.builds import BuildRecord, Builds, seconds_to_next_day
from macrohard.api.execution import (
    Ending,
    check_picklable,
    execute,
    lower_priority,
    new_cancel_flag,
    run_in_child,
)
from macrohard.api.queue import FairQueue
from macrohard.api.settings import Settings
from macrohard.api.tenants import Tenant
from macrohard.company import Company
from macrohard.company.budget import CancelFlag
from macrohard.company.policy import check_request
from macrohard.errors import QuotaExceeded, UserError
from macrohard.journal import Journal, JournalError
from macrohard.journal.codec import refuse_secrets
from macrohard.sandbox import Sandbox, default_sandbox

log = logging.getLogger(__name__)


def _safe(text: str | None) -> str | None:
    """`text`, unless it holds a secret from the environment (then a placeholder)."""
    if text is None:
        return None
    try:
        return refuse_secrets(text, "an error")[:2000]
    except JournalError:
        return "error withheld: its text contained a secret; see the server log"


class BuildService:
    """Accepts, runs, cancels and reports builds for the API."""

    def __init__(self, settings: Settings, builds: Builds, journal: Journal) -> None:
        self.settings = settings
        self.builds = builds
        self.journal = journal
        self.sandbox: Sandbox = settings.sandbox or default_sandbox(settings.unsafe_local)
        self._queue = FairQueue()
        self._lock = threading.Lock()
        self._active: dict[str, Company] = {}
        self._cancels: dict[str, CancelFlag] = {}
        self._workers: list[threading.Thread] = []
        self._stopping = False

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Starts the workers and picks up what a previous server process left unfinished.

        Safe to call again after `shutdown` (an app whose lifespan restarts in one process).
        """
        if self.settings.isolation == "process":
            check_picklable(self.settings, self.sandbox)
        self._stopping = False
        with self._lock:
            self._cancels.clear()  # a shutdown set them; what it stopped is resumed below
        self._queue = FairQueue()  # workers of an earlier start keep their own queue
        for record in self.builds.unfinished():  # all queued before any worker takes one
            if record.status == "running":  # the process that ran it died
                self.builds.finish(record.id, "interrupted", verdict=None, error=None)
            self._enqueue(record)
        self._workers = [
            threading.Thread(target=self._work, args=(self._queue,), name=f"mh-build-{n}")
            for n in range(self.settings.max_concurrent)
        ]
        for worker in self._workers:
            worker.daemon = True
            worker.start()

    def shutdown(self, wait_seconds: float = 10.0) -> None:
        """Stops running builds between model calls (they resume on the next start)."""
        self._stopping = True
        with self._lock:
            for event in self._cancels.values():
                event.set()
        self._queue.close()  # every worker's next get() is None: it exits
        deadline = time.monotonic() + wait_seconds
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    # -- requests ------------------------------------------------------------------------------
    def submit(
        self,
        tenant: Tenant,
        request: str,
        model: str | None,
        budget_tokens: int | None,
        priority: int = 0,
    ) -> BuildRecord:
        """Checks the request, the model and the tenant's quotas, then queues the build."""
        if self._stopping:
            raise QuotaExceeded("the server is shutting down; try again shortly", 30)
        spec = model or self.settings.default_model
        if spec not in self.settings.allowed_models:
            raise UserError(
                f"model {spec!r} is not allowed on this server; allowed: "
                + ", ".join(self.settings.allowed_models)
            )
        request = check_request(request)
        if tenant.tokens_per_day is not None:
            left = tenant.tokens_per_day - self.builds.tokens_today(tenant.id)
            if left <= 0:
                raise QuotaExceeded(
                    f"tenant {tenant.name!r} has spent its {tenant.tokens_per_day:,} tokens "
                    "for today (UTC)",
                    seconds_to_next_day(),
                )
            budget_tokens = min(budget_tokens or left, left)
        record = self.builds.create(tenant, request, spec, budget_tokens, priority)
        self._enqueue(record)
        return record

    def cancel(self, record: BuildRecord) -> BuildRecord:
        """Cancels a queued build at once, a running one before its next model call or phase."""
        if self.builds.cancel_queued(record.id):
            if self._queue.remove(record.id):  # else a worker took it and will find it cancelled
                with self._lock:
                    self._cancels.pop(record.id, None)
        else:
            with self._lock:
                event = self._cancels.get(record.id)
            if event is not None:
                event.set()
        found = self.builds.get(record.id)
        assert found is not None
        return found

    def cancel_requested(self, build_id: str) -> bool:
        with self._lock:
            event = self._cancels.get(build_id)
        return event is not None and event.is_set()

    def queue_position(self, build_id: str) -> int | None:
        """How many builds go before this one (0: it is next); None when it is not waiting."""
        return self._queue.position(build_id)

    def live_tokens(self, build_id: str) -> int | None:
        """Tokens spent so far by a build running in this process (None when it is not)."""
        with self._lock:
            company = self._active.get(build_id)
        budget = company.budget if company else None
        return budget.spent_tokens if budget else None

    # -- workers -------------------------------------------------------------------------------
    def _enqueue(self, record: BuildRecord) -> None:
        with self._lock:
            self._cancels.setdefault(record.id, self._new_flag())
        self._queue.put(record.id, record.tenant_id, record.priority)

    def _new_flag(self) -> CancelFlag:
        """A cancel flag the build can see: across processes when builds run in their own."""
        return new_cancel_flag() if self.settings.isolation == "process" else threading.Event()

    def _work(self, jobs: FairQueue) -> None:
        if self.settings.isolation == "thread":
            # this worker and the processes it starts, not the server (a child process of
            # isolation="process" lowers its own priority instead)
            lower_priority(threading.get_native_id(), self.settings.build_nice)
        while (build_id := jobs.get()) is not None:
            try:
                self._run(build_id)
            except Exception:  # a bug here must not kill the worker
                log.exception("build %s: unexpected error in the worker", build_id)
            finally:
                with self._lock:
                    self._active.pop(build_id, None)
                    self._cancels.pop(build_id, None)

    def _run(self, build_id: str) -> None:
        if self._stopping:
            return
        record = self.builds.claim(build_id)
        if record is None:
            return  # cancelled while queued
        with self._lock:
            cancel = self._cancels.setdefault(build_id, self._new_flag())
        if self.settings.isolation == "process":
            ending = run_in_child(self.settings, self.sandbox, record, cancel, self._is_stopping)
        else:
            ending = execute(
                self.settings,
                self.sandbox,
                self.builds,
                self.journal,
                record,
                cancel,
                self._track(build_id),
            )
        self._finish(build_id, ending, cancel)

    def _track(self, build_id: str) -> Callable[[Company], None]:
        def started(company: Company) -> None:
            with self._lock:
                self._active[build_id] = company

        return started

    def _is_stopping(self) -> bool:
        return self._stopping

    def _finish(self, build_id: str, ending: Ending, cancel: CancelFlag) -> None:
        status, verdict = ending.status, ending.verdict
        if cancel.is_set() and status in ("stopped", "failed"):
            status, verdict = ("interrupted", None) if self._stopping else ("cancelled", verdict)
        error = _safe(ending.error)
        self.builds.finish(build_id, status, verdict=verdict, error=error, tokens=ending.tokens)
