"""The core loop of a build: run each phase's role, commit its work as that role, journal it.

for phase in workflow:        (finished phases are skipped on resume)
    result = role.run(ctx)    BudgetExceeded / errors stop the loop, with what exists committed
    sha = commit(role, ...)   trailers name the run and phase, so a crash between the commit and
    journal.finished(sha)     the journal write is recovered from git, never redone
ship when every gate passed: merge the work branch into main, tag v0.1.0; write the report
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macrohard.company.budget import Budget, BudgetedModel, CancelFlag
from macrohard.company.context import Context, PhaseResult
from macrohard.company.policy import check_request
from macrohard.company.roles.release import VERSION
from macrohard.company.workflow import DEFAULT_WORKFLOW, ROLES, Phase
from macrohard.errors import BudgetExceeded, Cancelled, MacrohardError, UserError
from macrohard.gates import DEFAULT_GATES, Gate, gate_trailers
from macrohard.journal import Journal, RunRecord
from macrohard.models.base import Model, Usage
from macrohard.sandbox import Sandbox, default_sandbox
from macrohard.sandbox.lease import reclaim
from macrohard.workspace import CommitInfo, Workspace

Listener = Callable[[str, dict[str, Any]], None]
REPORT = ".macrohard/report.json"
_FINAL = {"shipped": "succeeded", "stopped": "stopped"}  # run status by verdict; else failed


@dataclass(frozen=True)
class Outcome:
    run_id: str
    out_dir: Path
    status: str
    verdict: str
    report: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.verdict == "shipped"


class Company:
    """Runs builds: a model, a sandbox, a journal, and the workflow its roles follow."""

    def __init__(
        self,
        model: Model,
        *,
        journal: Journal | None = None,
        sandbox: Sandbox | None = None,
        workflow: tuple[Phase, ...] = DEFAULT_WORKFLOW,
        gates: tuple[Gate, ...] = DEFAULT_GATES,
        on_event: Listener | None = None,
        cancel: CancelFlag | None = None,
    ) -> None:
        self.model = model
        self.journal = journal or Journal()
        self.sandbox = sandbox or default_sandbox()
        self.workflow = workflow
        self.gates = gates
        self.on_event = on_event or (lambda kind, data: None)
        self.budget: Budget | None = None
        #: set (from any thread) to stop the run before its next model call or phase
        self.cancel_event: CancelFlag = cancel or threading.Event()

    # -- entry points --------------------------------------------------------------------------
    def build(
        self,
        request: str,
        out_dir: Path,
        *,
        budget_tokens: int | None = None,
        max_minutes: float | None = None,
    ) -> Outcome:
        request = check_request(request)
        ws = Workspace.init(out_dir)
        if ws.head() is not None:
            raise UserError(
                f"{ws.path} already holds a project; use `macrohard resume RUN_ID` to continue "
                "a build there, or pick a new folder"
            )
        options = {"budget_tokens": budget_tokens, "max_minutes": max_minutes}
        run = self.journal.create_run(
            request,
            str(ws.path),
            self.model.name,
            [(p.name, p.role) for p in self.workflow],
            options,
        )
        self.journal.mark_running(run.id, os.getpid())  # from here on, a kill leaves it resumable
        _start(ws, run.id)
        return self._drive(run, ws)

    def resume(self, run_id: str) -> Outcome:
        run = self.journal.get_run(run_id)
        if run.kind != "build":
            raise UserError(
                f"run {run.id} is a {run.kind} run; only builds resume (run it again: a solve "
                "starts from the repository's last commit and leaves earlier branches as they are)"
            )
        if run.status in ("succeeded", "failed") and run.verdict:
            raise UserError(f"run {run.id} already finished ({run.status}); nothing to resume")
        if run.pid and run.pid != os.getpid() and _alive(run.pid):
            raise UserError(f"run {run.id} is still running (pid {run.pid})")
        if Path(run.out_dir).is_dir():
            reclaim(Path(run.out_dir))  # a killed sandbox job may still hold the folder
        ws = Workspace.init(run.out_dir)
        lock = ws.path / ".git" / "index.lock"
        lock.unlink(missing_ok=True)  # left by a killed git; we are the only writer of this run
        self.journal.mark_running(run.id, os.getpid())
        if ws.head() is None:  # killed before the first commit
            _start(ws, run.id)
        ws.discard_uncommitted()
        return self._drive(run, ws)

    # -- the loop ------------------------------------------------------------------------------
    def _drive(self, run: RunRecord, ws: Workspace) -> Outcome:
        started = time.perf_counter()
        minutes = run.options.get("max_minutes")
        spent = run.prompt_tokens + run.completion_tokens
        remaining = max(0.01, minutes - run.seconds / 60) if minutes else None
        self.budget = Budget(run.options.get("budget_tokens"), remaining, spent, self.cancel_event)

        def on_call(usage: Usage) -> None:  # each model call is visible live (CLI, API, journal)
            data = {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "seconds": round(usage.seconds, 2),
            }
            self.journal.add_event(run.id, "model.call", data)
            self.on_event("model.call", data)

        model = BudgetedModel(self.model, self.budget, on_call)
        ctx = Context(run.id, run.request, ws.path, model, self.sandbox, self.gates)
        branch = f"macrohard/{run.id}"
        ws.branch(branch, start="main")
        self.on_event("run.started", {"run_id": run.id, "out_dir": str(ws.path)})

        records = {p.name: p for p in self.journal.phases(run.id)}
        verdicts = {n: r.verdict for n, r in records.items() if r.status == "done"}
        results: dict[str, PhaseResult] = {}
        stopped: str | None = None
        status = "running"
        for phase in self.workflow:
            record = records[phase.name]
            if record.status in ("done", "skipped"):
                continue
            recovered = _recover(ws, run.id, phase.name)
            if recovered:
                sha, verdict = recovered
                self.journal.phase_committed(run.id, phase.name, sha, verdict)
                verdicts[phase.name] = verdict
                continue
            if phase.role == "release" and verdicts.get("review", "ok") != "ok":
                self.journal.phase_skipped(run.id, phase.name, "gates failed: nothing to release")
                continue
            role = ROLES[phase.role]()
            self.journal.phase_started(run.id, phase.name, {"role": role.role})
            self.on_event("phase.started", {"phase": phase.name, "role": role.role})
            t0 = time.perf_counter()
            try:
                self.budget.check_cancelled()
                result = role.run(ctx)
            except MacrohardError as exc:
                usage = model.take_phase_usage()
                stopped = str(exc)
                status = "stopped" if isinstance(exc, BudgetExceeded | Cancelled) else "failed"
                sha = ws.commit(
                    "macrohard",
                    f"stop: {phase.name} unfinished ({stopped})",
                    trailers={"Macrohard-Run": run.id},
                )
                self.journal.phase_failed(
                    run.id,
                    phase.name,
                    stopped,
                    model=self.model.name,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    seconds=time.perf_counter() - t0,
                )
                self.on_event("phase.failed", {"phase": phase.name, "error": stopped, "sha": sha})
                break
            usage = model.take_phase_usage()
            # the result is journaled before the commit, the phase marked done after it: a crash
            # between the two finds the commit (by its trailers) and the result both, on resume
            self.journal.phase_result(
                run.id,
                phase.name,
                output=result.output,
                verdict=result.verdict,
                model=self.model.name,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                seconds=time.perf_counter() - t0,
            )
            # the release commit carries the review's gate results too
            gated = _gate_trailers(self.journal.phases(run.id)) if phase.role == "release" else {}
            sha = ws.commit(
                role.role,
                f"{phase.name}: {result.summary}" + (f"\n\n{result.body}" if result.body else ""),
                trailers={
                    **gated,
                    **result.trailers,
                    "Macrohard-Run": run.id,
                    "Macrohard-Phase": phase.name,
                    "Macrohard-Verdict": result.verdict,
                },
            )
            self.journal.phase_committed(run.id, phase.name, sha, result.verdict)
            verdicts[phase.name] = result.verdict
            results[phase.name] = result
            self.on_event(
                "phase.finished",
                {
                    "phase": phase.name,
                    "verdict": result.verdict,
                    "summary": result.summary,
                    "sha": sha,
                },
            )
        return self._finish(run.id, ws, branch, verdicts, stopped, status, ctx.notes, started)

    def _finish(
        self,
        run_id: str,
        ws: Workspace,
        branch: str,
        verdicts: dict[str, str | None],
        stopped: str | None,
        status: str,
        notes: list[str],
        started: float,
    ) -> Outcome:
        reported = _reported(ws, run_id, branch)
        if reported is not None:  # killed after the report commit: only the journal is behind
            return self._close(run_id, ws, reported, started)
        phases = self.journal.phases(run_id)
        unfinished = [p.name for p in phases if p.status not in ("done",)]
        gates_ok = verdicts.get("review", "ok") == "ok" and "review" in verdicts
        shipped = (
            stopped is None
            and not unfinished
            and gates_ok
            and all(v == "ok" for n, v in verdicts.items() if n in ("review", "release"))
        )
        if shipped:
            ws.checkout("main")
            gates = "\n".join(f"{k}: {v}" for k, v in _gate_trailers(phases).items())
            message = f"release {VERSION}: merge {branch}, every gate passed"
            ws.merge(branch, "release", message + (f"\n\n{gates}" if gates else ""))
            ws.tag(f"v{VERSION}", "release", f"Release {VERSION} (run {run_id})")
        verdict = "shipped" if shipped else ("stopped" if status == "stopped" else "failed")
        report = self._report(run_id, ws, phases, verdict, unfinished, stopped, notes)
        ws.path.joinpath(".macrohard").mkdir(exist_ok=True)
        ws.path.joinpath(REPORT).write_text(json.dumps(report, indent=1) + "\n")
        ws.commit(
            "macrohard", f"report: run {run_id} {verdict}", trailers={"Macrohard-Run": run_id}
        )
        return self._close(run_id, ws, report, started)

    def _close(self, run_id: str, ws: Workspace, report: dict[str, Any], started: float) -> Outcome:
        """Journals the end of a run whose report is committed."""
        verdict = report["verdict"]
        final = _FINAL.get(verdict, "failed")
        error = report.get("stopped") or (
            None if verdict == "shipped" else "gates or deploy failed"
        )
        self.journal.set_run_status(run_id, final, verdict=verdict, error=error)  # type: ignore[arg-type]
        self.on_event(
            "run.finished", {"verdict": verdict, "seconds": time.perf_counter() - started}
        )
        return Outcome(run_id, ws.path, final, verdict, report)

    def _report(
        self,
        run_id: str,
        ws: Workspace,
        phases: list[Any],
        verdict: str,
        unfinished: list[str],
        stopped: str | None,
        notes: list[str],
    ) -> dict[str, Any]:
        run = self.journal.get_run(run_id)
        review = next((p for p in phases if p.name == "review" and p.output), None)
        release = next((p for p in phases if p.name == "release" and p.output), None)
        return {
            "run_id": run.id,
            "request": run.request,
            "out_dir": run.out_dir,
            "model": run.model,
            "verdict": verdict,
            "phases": [
                {
                    "name": p.name,
                    "role": p.role,
                    "status": p.status,
                    "verdict": p.verdict,
                    "commit": p.commit_sha,
                    "prompt_tokens": p.prompt_tokens,
                    "completion_tokens": p.completion_tokens,
                    "seconds": round(p.seconds, 2),
                }
                for p in phases
            ],
            "gates": (review.output or {}).get("gates", []) if review else [],
            "deploy": (release.output or {}).get("deploy") if release else None,
            "tokens": {
                "prompt": run.prompt_tokens,
                "completion": run.completion_tokens,
                "total": run.prompt_tokens + run.completion_tokens,
            },
            "seconds": round(run.seconds, 2),
            "unfinished": unfinished,
            "stopped": stopped,
            "notes": notes[-50:],
            "branch": f"macrohard/{run.id}",
            "sandbox": self.sandbox.name,
            "tag": f"v{VERSION}" if verdict == "shipped" else None,
        }


def _gate_trailers(phases: list[Any]) -> dict[str, str]:
    """The review's Gate-* trailers, from the journal (so a resumed run has them too)."""
    review = next((p for p in phases if p.name == "review" and p.output), None)
    return gate_trailers(review.output.get("gates", [])) if review else {}


def _start(ws: Workspace, run_id: str) -> None:
    """The run's first commit on main (with the default .gitignore), where the branch starts."""
    ws.commit(
        "macrohard",
        f"start: project for run {run_id}",
        allow_empty=True,
        trailers={"Macrohard-Run": run_id},
    )


def _reported(ws: Workspace, run_id: str, branch: str) -> dict[str, Any] | None:
    """The committed report when main or the work branch already ends with this run's report
    commit (it is checked out then); None when the run has not got that far."""
    for ref in ("main", branch):
        head = ws.log(ref, n=1)[0]
        if (
            head.subject.startswith(f"report: run {run_id} ")
            and _trailers(head).get("Macrohard-Run") == run_id
        ):
            ws.checkout(ref)
            report: dict[str, Any] = json.loads(ws.read(REPORT, head.sha))
            return report
    return None


def _trailers(commit: CommitInfo) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in commit.body.splitlines() if ": " in line)


def _recover(ws: Workspace, run_id: str, phase: str) -> tuple[str, str] | None:
    """(sha, verdict) when HEAD already holds this phase's commit (crash before the journal)."""
    log = ws.log(n=1)
    if not log:
        return None
    trailers = _trailers(log[0])
    if trailers.get("Macrohard-Run") == run_id and trailers.get("Macrohard-Phase") == phase:
        return log[0].sha, trailers.get("Macrohard-Verdict", "ok")
    return None


def _alive(pid: int) -> bool:
    from macrohard.journal import pid_alive

    return pid_alive(pid)
