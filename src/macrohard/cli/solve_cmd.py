"""`macrohard solve` (a verified change to an existing repository) and `bench solve`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from macrohard.errors import UserError
from macrohard.journal import Journal
from macrohard.models import get_model
from macrohard.models.registry import DEFAULT_SPEC
from macrohard.sandbox import default_sandbox
from macrohard.solve import SolveOutcome, Solver

err = Console(stderr=True)


class Display:
    """The live lines: finished phases, then the phase and role at work, tokens, time."""

    def __init__(self) -> None:
        self.phase, self.role, self.tokens = "starting", "", 0
        self.done: list[str] = []
        self.start = time.monotonic()

    def event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "phase.started":
            self.phase, self.role = data["phase"], data["role"]
        elif kind == "phase.finished":
            self.done.append(f"[green]✓[/] {data['phase']}: {data.get('summary', data['verdict'])}")
        elif kind == "phase.failed":
            self.done.append(f"[red]✗[/] {data['phase']}: {data['error']}")
        elif kind == "model.call":
            self.tokens += data["prompt_tokens"] + data["completion_tokens"]

    def __rich__(self) -> Table:
        table = Table.grid(padding=(0, 1))
        for line in self.done[-8:]:
            table.add_row(line)
        table.add_row(
            f"[bold]{self.phase}[/] ({self.role or '-'}) · {self.tokens:,} tokens · "
            f"{time.monotonic() - self.start:.0f} s"
        )
        return table


def solve(
    request: Annotated[
        str | None, typer.Argument(help="the feature request or bug report, in plain language")
    ] = None,
    repo: Annotated[Path, typer.Option("--repo", "-r", help="the git repository to change")] = Path(
        "."
    ),
    request_file: Annotated[
        Path | None, typer.Option("--request-file", "-f", help="read the request from a file")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help=f"default {DEFAULT_SPEC}")
    ] = None,
    branch: Annotated[
        str | None, typer.Option("--branch", help="the new branch (default macrohard/solve-RUN)")
    ] = None,
    merge: Annotated[
        bool, typer.Option("--merge", help="merge into the current branch when verified")
    ] = False,
    stash: Annotated[
        bool, typer.Option("--stash", help="put uncommitted changes aside and restore them after")
    ] = False,
    test_cmd: Annotated[
        str | None,
        typer.Option("--test-cmd", help="the repository's test command (default: detected)"),
    ] = None,
    budget_tokens: Annotated[int | None, typer.Option("--budget-tokens", min=1)] = None,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", min=0.1)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    unsafe_local: Annotated[
        bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only (unsafe)")
    ] = False,
) -> None:
    """Change an existing repository as asked, verified by its tests and new ones, on a branch.
    Exit 0 only when the change is verified."""
    if request_file is not None:
        try:
            request = request_file.read_text()
        except OSError as exc:
            raise UserError(f"cannot read --request-file {request_file}: {exc}") from exc
    if request is None:
        raise UserError(
            "give the request as an argument or with --request-file, e.g. "
            "macrohard solve --repo . \"parse_date() fails on '2024-02-29'\""
        )
    solver = Solver(get_model(model), journal=Journal(), sandbox=default_sandbox(unsafe_local))

    def action() -> SolveOutcome:
        return solver.solve(
            repo,
            request or "",
            branch=branch,
            merge=merge,
            stash=stash,
            test_cmd=test_cmd,
            budget_tokens=budget_tokens,
            max_minutes=max_minutes,
        )

    if as_json or not err.is_terminal:

        def log(kind: str, data: dict[str, Any]) -> None:
            if kind in ("phase.finished", "phase.failed"):
                text = data.get("summary") or data.get("error") or data.get("verdict")
                err.print(f"{data['phase']}: {text}", highlight=False)

        solver.on_event = log
        outcome = action()
    else:
        display = Display()
        solver.on_event = display.event
        with Live(display, console=err, refresh_per_second=4, transient=False):
            outcome = action()
    report = outcome.report
    if as_json:
        print(json.dumps(report))
    else:
        err.print(
            f"[bold]{outcome.verdict}[/] run {outcome.run_id}: {report['tokens']['total']:,} "
            f"tokens, {report['seconds']:.0f} s; branch {outcome.branch}"
            + (f", merged into {report['merged_into']}" if report.get("merged_into") else "")
        )
        err.print(f"description: git show {outcome.branch}:.macrohard/solve/{outcome.run_id}/PR.md")
    if not outcome.ok:
        raise typer.Exit(1)


def bench_solve(
    model: Annotated[
        str | None, typer.Option("--model", "-m", help=f"default {DEFAULT_SPEC}")
    ] = None,
    tasks: Annotated[Path, typer.Option("--tasks", help="folder of solve tasks")] = Path(
        "examples/solve"
    ),
    only: Annotated[str | None, typer.Option("--only", help="comma-separated task ids")] = None,
    max_minutes: Annotated[float, typer.Option("--max-minutes", help="per task")] = 8.0,
    work: Annotated[
        Path | None, typer.Option("--work", help="where the task repositories are made")
    ] = None,
    report: Annotated[Path, typer.Option("--report")] = Path("reports/solve.json"),
    unsafe_local: Annotated[
        bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only (unsafe)")
    ] = False,
) -> None:
    """Solve each task on its snapshot of a real project; score the branch with hidden tests."""
    import tempfile

    from macrohard.bench import solve as bench

    selected = bench.load_tasks(tasks, only)
    llm = get_model(model)
    sandbox = default_sandbox(unsafe_local)
    journal = Journal()
    folder = work or Path(tempfile.mkdtemp(prefix="mh-bench-solve-"))

    def solve_one(task: bench.SolveTask, repo: Path) -> dict[str, Any]:
        outcome = Solver(llm, journal=journal, sandbox=sandbox).solve(
            repo, task.request, test_cmd=task.test_cmd, max_minutes=max_minutes
        )
        return {
            "branch": outcome.branch,
            "verdict": outcome.verdict,
            "tokens": outcome.report["tokens"]["total"],
            "run_id": outcome.run_id,
        }

    def show(row: dict[str, Any]) -> None:
        err.print(
            f"{row['id']}: solver said {row['verdict']}; "
            f"hidden tests {row.get('hidden_passed', 0)}/{row.get('hidden_total', 0)}, "
            f"own {row.get('own_passed', 0)}/{row.get('own_total', 0)}, {row['seconds']:.0f} s"
            + (" -> resolved (hidden tests)" if row["resolved"] else ""),
            markup=False,  # "[resolved]" and test ids must not be read as rich markup
        )

    result = bench.run_bench(selected, folder, solve_one, sandbox, show, report_path=report)
    bench.write_report(result, report, model=llm.name, max_minutes=max_minutes)
    print(f"report: {report}")
    print(result["summary_line"])


def register(app: typer.Typer, bench_app: typer.Typer | None = None) -> None:
    app.command()(solve)
    if bench_app is not None:
        bench_app.command("solve")(bench_solve)
