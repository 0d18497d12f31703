"""`macrohard build`, `runs` and `resume`: thin over macrohard.company."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from macrohard.company import Company, Outcome, resolve_workflow
from macrohard.company.workflow import DEFAULT_WORKFLOW
from macrohard.errors import UserError
from macrohard.journal import Journal
from macrohard.models import get_model
from macrohard.models.registry import DEFAULT_SPEC
from macrohard.sandbox import default_sandbox

err = Console(stderr=True)


class Display:
    """The live line: phase, role at work, tokens, elapsed time."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.phase = "starting"
        self.role = ""
        self.done: list[str] = []
        self.start = time.monotonic()

    def event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "phase.started":
            self.phase, self.role = data["phase"], data["role"]
        elif kind == "phase.finished":
            self.done.append(f"[green]✓[/] {data['phase']}: {data['summary']}")
        elif kind == "phase.failed":
            self.done.append(f"[red]✗[/] {data['phase']}: {data['error']}")

    def __rich__(self) -> Table:
        table = Table.grid(padding=(0, 1))
        for line in self.done[-8:]:
            table.add_row(line)
        tokens = self.company.budget.spent_tokens if self.company.budget else 0
        table.add_row(
            f"[bold]{self.phase}[/] ({self.role or '-'}) · {tokens:,} tokens · "
            f"{time.monotonic() - self.start:.0f} s"
        )
        return table


def run_with_display(company: Company, action: Any, quiet: bool) -> Outcome:
    if quiet or not err.is_terminal:

        def log(kind: str, data: dict[str, Any]) -> None:
            if kind in ("phase.finished", "phase.failed"):
                text = data.get("summary") or data.get("error")
                err.print(f"{data['phase']}: {text}", highlight=False)

        company.on_event = log
        result: Outcome = action()
        return result
    display = Display(company)
    company.on_event = display.event
    with Live(display, console=err, refresh_per_second=4, transient=False):
        return action()  # type: ignore[no-any-return]


def finish(outcome: Outcome, as_json: bool) -> None:
    report = outcome.report
    if as_json:
        print(json.dumps(report))
    else:
        gates = ", ".join(f"{g['gate']} {g['status']}" for g in report.get("gates", []))
        err.print(
            f"[bold]{outcome.verdict}[/] run {outcome.run_id}: {report['tokens']['total']:,} "
            f"tokens, {report['seconds']:.0f} s" + (f"; gates: {gates}" if gates else "")
        )
        if report.get("unfinished"):
            err.print(f"unfinished: {', '.join(report['unfinished'])} ({report.get('stopped')})")
        err.print(f"project: {outcome.out_dir}  report: {outcome.out_dir}/.macrohard/report.json")
    if not outcome.ok:
        raise typer.Exit(1)


def build(
    request: Annotated[str | None, typer.Argument(help="what to build, in plain language")] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="new project folder (a git repo)")
    ] = Path("project"),
    request_file: Annotated[
        Path | None, typer.Option("--request-file", "-f", help="read the request from a file")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help=f"default {DEFAULT_SPEC}")
    ] = None,
    budget_tokens: Annotated[int | None, typer.Option("--budget-tokens", min=1)] = None,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", min=0.1)] = None,
    workflow: Annotated[
        str | None,
        typer.Option(
            "--workflow",
            help="a TOML file of [[phase]] name/role tables, or a named "
            "workflow (see `macrohard plugins`)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    unsafe_local: Annotated[
        bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only (unsafe)")
    ] = False,
) -> None:
    """Build a tested, versioned project from a request. Exit 0 only when every gate passed."""
    if request_file is not None:
        try:
            request = request_file.read_text()
        except OSError as exc:
            raise UserError(f"cannot read --request-file {request_file}: {exc}") from exc
    if request is None:
        raise UserError(
            "give the request as an argument or with --request-file, e.g. "
            'macrohard build "A CLI that counts words in a file" --out wc'
        )
    company = Company(
        get_model(model),
        journal=Journal(),
        sandbox=default_sandbox(unsafe_local),
        workflow=resolve_workflow(workflow) if workflow else DEFAULT_WORKFLOW,
    )
    outcome = run_with_display(
        company,
        lambda: company.build(
            request or "", out, budget_tokens=budget_tokens, max_minutes=max_minutes
        ),
        as_json,
    )
    finish(outcome, as_json)


def runs(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option("--limit")] = 50,
) -> None:
    """List builds: id, status, output folder, started, tokens."""
    records = Journal().list_runs(limit=limit)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "status": r.status,
                        "verdict": r.verdict,
                        "out_dir": r.out_dir,
                        "started": r.created_at,
                        "tokens": r.prompt_tokens + r.completion_tokens,
                        "model": r.model,
                    }
                    for r in records
                ]
            )
        )
        return
    table = Table("id", "status", "output folder", "started", "tokens")
    for r in records:
        table.add_row(
            r.id,
            r.verdict or r.status,
            r.out_dir,
            r.created_at[:19],
            f"{r.prompt_tokens + r.completion_tokens:,}",
        )
    Console().print(table)


def resume(
    run_id: Annotated[str, typer.Argument(help="the run to continue (see `macrohard runs`)")],
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="default: the run's model")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    unsafe_local: Annotated[
        bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only (unsafe)")
    ] = False,
) -> None:
    """Continue an interrupted build without redoing finished phases."""
    journal = Journal()
    run = journal.get_run(run_id)
    company = Company(
        get_model(model or run.model), journal=journal, sandbox=default_sandbox(unsafe_local)
    )
    outcome = run_with_display(company, lambda: company.resume(run.id), as_json)
    finish(outcome, as_json)


def register(app: typer.Typer) -> None:
    app.command()(build)
    app.command()(runs)
    app.command()(resume)
