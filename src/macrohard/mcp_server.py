"""`macrohard mcp`: the company as MCP tools over stdio, with the official SDK (FastMCP).

    start_build(request, out_dir?, model?, budget_tokens?, max_minutes?) -> {id, out_dir, ...}
    build_status(id)   -> status, verdict, phases, tokens, seconds (from the journal)
    build_report(id)   -> the build's .macrohard/report.json, once it has finished
    list_builds(limit) -> this server's builds, newest first

A build runs in a background thread, so start_build answers as soon as the run exists. What a
client may choose is bounded by the server's options: projects land only in DATA/builds/ (out_dir
is a relative name there), and the model must be one of the allowed specs (default: the default
model), so a client can never point `scripted:PATH` at a file the operator did not name. Runs are
journaled in the user's journal: `macrohard runs` shows them and `macrohard resume` continues one
the server left unfinished. MCP speaks on stdout, so everything else printed goes to stderr.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from macrohard.company import Company
from macrohard.company.policy import check_request
from macrohard.company.runner import REPORT
from macrohard.errors import MacrohardError, UserError
from macrohard.journal import Journal, JournalError, RunRecord, default_path, pid_alive
from macrohard.models import get_model
from macrohard.models.registry import default_spec
from macrohard.sandbox import Sandbox, default_sandbox

try:
    import anyio
    from mcp.server.fastmcp import FastMCP
    from mcp.server.fastmcp.exceptions import ToolError
except ImportError as exc:  # pragma: no cover - depends on the install
    raise UserError("`macrohard mcp` needs the MCP SDK: pip install 'macrohard[mcp]'") from exc

MODELS_ENV = "MACROHARD_MCP_MODELS"
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
T = TypeVar("T")

INSTRUCTIONS = """Macrohard is an AI software company: give start_build a request in plain
language and it writes a tested, versioned Python project (spec, design, tests, code, review
gates, release). Builds take minutes: poll build_status with the returned id until its status is
succeeded, failed or stopped, then read build_report (gates, tokens, verdict). Only the models
listed in start_build's description can be chosen."""


def data_default() -> Path:
    """Where builds land when --data is not given: beside the user's journal."""
    return default_path().parent / "mcp"


@dataclass(frozen=True)
class ServerOptions:
    data: Path = field(default_factory=data_default)
    #: the specs a client may ask for; the first is used when it asks for none
    models: tuple[str, ...] = ()
    max_builds: int = 1
    max_minutes: float | None = 30.0
    unsafe_local: bool = False

    def allowed(self) -> tuple[str, ...]:
        if self.models:
            return self.models
        env = [s.strip() for s in os.environ.get(MODELS_ENV, "").split(",") if s.strip()]
        return tuple(env) or (default_spec(),)


class BuildService:
    """Starts builds in background threads and reads their state; transport-independent."""

    def __init__(
        self, options: ServerOptions, journal: Journal | None = None, sandbox: Sandbox | None = None
    ) -> None:
        if options.max_builds < 1:
            raise UserError("--max-builds must be at least 1")
        self.options = options
        self.models = options.allowed()
        self.builds = (options.data / "builds").expanduser().resolve()
        self.builds.mkdir(parents=True, exist_ok=True)
        self.journal = journal or Journal()
        self.sandbox = sandbox or default_sandbox(options.unsafe_local)
        self._slots = threading.BoundedSemaphore(options.max_builds)
        self._threads: dict[str, threading.Thread] = {}

    # -- tools ---------------------------------------------------------------------------------
    def start(
        self,
        request: str,
        out_dir: str | None = None,
        model: str | None = None,
        budget_tokens: int | None = None,
        max_minutes: float | None = None,
    ) -> dict[str, Any]:
        spec = self._model_spec(model)
        request = check_request(request)
        out = self._out_dir(out_dir)
        if budget_tokens is not None and budget_tokens < 1:
            raise UserError("budget_tokens must be a positive number of tokens")
        minutes = _smaller(max_minutes, self.options.max_minutes)
        if minutes is not None and minutes <= 0:
            raise UserError("max_minutes must be positive")
        if not self._slots.acquire(blocking=False):
            raise UserError(
                f"busy: {self.options.max_builds} build(s) already running; poll build_status "
                "and try again when one has finished"
            )
        try:
            company = Company(get_model(spec), journal=self.journal, sandbox=self.sandbox)
        except BaseException:
            self._slots.release()
            raise
        started = threading.Event()
        box: dict[str, Any] = {}

        def on_event(kind: str, data: dict[str, Any]) -> None:
            if kind == "run.started":
                box["run_id"] = data["run_id"]
                started.set()

        def work() -> None:
            try:
                company.build(request, out, budget_tokens=budget_tokens, max_minutes=minutes)
            except BaseException as exc:  # recorded: the client reads it from build_status
                box["error"] = exc
                self._mark_failed(box.get("run_id"), exc)
            finally:
                self._slots.release()
                started.set()

        company.on_event = on_event
        thread = threading.Thread(target=work, name=f"build {out.name}", daemon=True)
        thread.start()
        started.wait(timeout=300)
        if "run_id" not in box:
            error = box.get("error")
            if isinstance(error, MacrohardError):
                raise error
            raise UserError(f"the build did not start: {error or 'timed out'}")
        self._threads[box["run_id"]] = thread
        return {
            "id": box["run_id"],
            "status": "running",
            "out_dir": str(out),
            "model": spec,
            "next": "poll build_status with this id; build_report once it has finished",
        }

    def status(self, run_id: str) -> dict[str, Any]:
        run = self._run(run_id)
        phases = self.journal.phases(run.id)
        return {
            **_summary(run, self._status(run)),
            "request": run.request,
            "error": run.error,
            "finished_at": run.finished_at,
            "phases": [
                {
                    "name": p.name,
                    "role": p.role,
                    "status": p.status,
                    "verdict": p.verdict,
                    "tokens": p.prompt_tokens + p.completion_tokens,
                    "seconds": round(p.seconds, 2),
                    "error": p.error,
                }
                for p in phases
            ],
            "report_ready": (Path(run.out_dir) / REPORT).is_file(),
        }

    def report(self, run_id: str) -> dict[str, Any]:
        run = self._run(run_id)
        path = Path(run.out_dir) / REPORT
        if not path.is_file():
            raise UserError(
                f"build {run.id} has no report yet (status {self._status(run)}); "
                "poll build_status until it has finished"
            )
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        limit = max(1, min(limit, 200))
        ours = [r for r in self.journal.list_runs(limit=1000) if self._ours(r)]
        return [_summary(r, self._status(r)) for r in ours[:limit]]

    def running(self) -> list[str]:
        return [run_id for run_id, t in self._threads.items() if t.is_alive()]

    # -- checks --------------------------------------------------------------------------------
    def _model_spec(self, model: str | None) -> str:
        spec = (model or self.models[0]).strip()
        if spec not in self.models:
            raise UserError(
                f"model {spec!r} is not allowed by this server; allowed: {', '.join(self.models)}"
            )
        return spec

    def _out_dir(self, name: str | None) -> Path:
        if not name:
            name = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        rel = PurePosixPath(name)
        if (
            rel.is_absolute()
            or len(name) > 200
            or not rel.parts
            or any(part.startswith(".") for part in rel.parts)
            or not set(name) <= NAME_CHARS | {"/"}
        ):
            raise UserError(
                f"out_dir {name!r} must be a relative folder name (letters, digits, -_./, no "
                "leading dots); projects land under the server's data folder"
            )
        out = (self.builds / rel).resolve()
        if not out.is_relative_to(self.builds):
            raise UserError(f"out_dir {name!r} leads outside the server's data folder")
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UserError(f"out_dir {name!r} already exists; choose a new name")
        return out

    def _run(self, run_id: str) -> RunRecord:
        try:
            run = self.journal.get_run(run_id)
        except JournalError:
            run = None
        if run is None or run.id != run_id or not self._ours(run):
            raise UserError(f"no build {run_id!r} on this server; list_builds shows them")
        return run

    def _ours(self, run: RunRecord) -> bool:
        return Path(run.out_dir).resolve().is_relative_to(self.builds)

    def _status(self, run: RunRecord) -> str:
        if run.status == "running" and run.pid and not pid_alive(run.pid):
            return "interrupted"
        return run.status

    def _mark_failed(self, run_id: str | None, exc: BaseException) -> None:
        if run_id is None or self.journal.get_run(run_id).status != "running":
            return
        message = str(exc) if isinstance(exc, MacrohardError) else f"{type(exc).__name__}: {exc}"
        self.journal.set_run_status(run_id, "failed", verdict="failed", error=message[:500])


def _smaller(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return min(values) if values else None


def _summary(run: RunRecord, status: str) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": status,
        "verdict": run.verdict,
        "request": run.request[:200],
        "model": run.model,
        "out_dir": run.out_dir,
        "created_at": run.created_at,
        "tokens": {
            "prompt": run.prompt_tokens,
            "completion": run.completion_tokens,
            "total": run.prompt_tokens + run.completion_tokens,
        },
        "seconds": round(run.seconds, 2),
    }


async def _call(fn: Callable[..., T], *args: Any) -> T:
    """Run a service call off the event loop; our errors become the tool's error message."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except MacrohardError as exc:
        raise ToolError(str(exc)) from exc


def create_server(service: BuildService) -> FastMCP:
    """The FastMCP server with the four build tools bound to `service`."""
    server = FastMCP("macrohard", instructions=INSTRUCTIONS, log_level="WARNING")
    allowed = ", ".join(service.models)

    @server.tool(
        description=(
            "Start building a software project from a plain-language request. Returns at once "
            "with the build id; poll build_status. out_dir: optional relative folder name for "
            f"the project. model: optional, one of: {allowed} (default {service.models[0]}). "
            "budget_tokens / max_minutes: optional limits."
        )
    )
    async def start_build(
        request: str,
        out_dir: str | None = None,
        model: str | None = None,
        budget_tokens: int | None = None,
        max_minutes: float | None = None,
    ) -> dict[str, Any]:
        return await _call(service.start, request, out_dir, model, budget_tokens, max_minutes)

    @server.tool()
    async def build_status(id: str) -> dict[str, Any]:
        """Status of a build: running/succeeded/failed/stopped, verdict, phases, tokens, time."""
        return await _call(service.status, id)

    @server.tool()
    async def build_report(id: str) -> dict[str, Any]:
        """The finished build's report: phases, gate results, deploy check, tokens, verdict."""
        return await _call(service.report, id)

    @server.tool()
    async def list_builds(limit: int = 20) -> list[dict[str, Any]]:
        """This server's builds, newest first: id, status, verdict, request, tokens."""
        return await _call(service.recent, limit)

    return server


def _stdout_for_protocol() -> None:
    """Keep stdout for MCP alone: the protocol gets a private copy of fd 1, and fd 1 itself
    (stray prints, child processes) goes to stderr."""
    sys.stdout.flush()
    protocol = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(protocol, "w", encoding="utf-8", closefd=True)


def serve(options: ServerOptions) -> None:
    """Serve over stdio until the client disconnects."""
    service = BuildService(options)
    server = create_server(service)
    _stdout_for_protocol()
    try:
        server.run("stdio")
    finally:
        for run_id in service.running():
            sys.stderr.write(
                f"macrohard mcp: build {run_id} was still running; continue it with "
                f"`macrohard resume {run_id} --model SPEC`\n"
            )


__all__ = ["BuildService", "ServerOptions", "create_server", "serve"]
