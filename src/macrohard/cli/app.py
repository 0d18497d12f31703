"""Typer app: `synth`, `bench humaneval`, `models`.

Errors print one clear line, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from macrohard.cli.build import register as register_build_commands
from macrohard.cli.mcp_cmd import register as register_mcp_commands
from macrohard.cli.plugins_cmd import register as register_plugins_commands
from macrohard.cli.sandbox_cmd import register as register_sandbox_commands
from macrohard.cli.scale_cmd import register as register_scale_commands
from macrohard.cli.serve_cmd import register as register_serve_commands
from macrohard.cli.service_cmd import register_service_commands
from macrohard.cli.solve_cmd import register as register_solve_commands
from macrohard.errors import MacrohardError
from macrohard.models import get_model
from macrohard.models.registry import DEFAULT_SPEC
from macrohard.sandbox import default_sandbox
from macrohard.synth import DEFAULT_STRATEGY, STRATEGIES, Task, synthesize

app = typer.Typer(
    help="Macrohard: an AI software company you can run, inspect and trust.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Benchmarks measured on this machine.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
register_build_commands(app)
register_sandbox_commands(app)
register_serve_commands(app)
register_plugins_commands(app)
register_mcp_commands(app)
register_scale_commands(app, bench_app)
register_service_commands(app, bench_app)
register_solve_commands(app, bench_app)

err = Console(stderr=True)

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help=f"model spec (default $MACROHARD_MODEL or {DEFAULT_SPEC})"),
]
UnsafeOpt = Annotated[
    bool,
    typer.Option("--unsafe-local", help="run generated code without bubblewrap (rlimits only)"),
]
StrategyOpt = Annotated[
    str, typer.Option("--strategy", "-s", help=f"one of: {', '.join(STRATEGIES)}")
]


@app.command()
def synth(
    description: Annotated[str, typer.Argument(help="what the function should do, or a signature")],
    example: Annotated[
        list[str] | None,
        typer.Option("--example", "-e", help="an assertion, e.g. 'assert f(2) == 4' (repeatable)"),
    ] = None,
    model: ModelOpt = None,
    strategy: StrategyOpt = DEFAULT_STRATEGY,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write the code here")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON summary")] = False,
    unsafe_local: UnsafeOpt = False,
) -> None:
    """Write a Python function from a description; the examples are the only tests run."""
    task = Task.from_request(description, example or [])
    solution = synthesize(task, get_model(model), strategy, default_sandbox(unsafe_local))
    if solution.code is None:
        err.print(f"[red]error:[/] the model produced no usable code ({'; '.join(solution.notes)})")
        raise typer.Exit(2)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(solution.code)
        tmp.replace(output)
    if as_json:
        print(
            json.dumps({**solution.summary(), "code": solution.code, "output": str(output or "")})
        )
    elif not output:
        print(solution.code, end="")
    status = _status(solution.verified, len(task.examples))
    err.print(
        f"{status}  {solution.task.entry_point}: {len(solution.candidates)} candidate(s), "
        f"{solution.usage.completion_tokens} tokens, {solution.seconds:.1f} s"
        + (f" -> {output}" if output else "")
    )
    if task.examples and not solution.verified:
        raise typer.Exit(1)


def _status(verified: bool, examples: int) -> str:
    if not examples:
        return "[yellow]unverified (no examples given)[/]"
    return "[green]examples pass[/]" if verified else "[red]examples fail[/]"


@bench_app.command("humaneval")
def bench_humaneval(
    model: ModelOpt = None,
    strategy: StrategyOpt = DEFAULT_STRATEGY,
    problems: Annotated[
        str | None, typer.Option("--problems", help="comma-separated indices, e.g. 0,4,8")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="run only the first N")] = None,
    report: Annotated[Path, typer.Option("--report", help="JSON report path")] = Path(
        "reports/humaneval.json"
    ),
    resume: Annotated[
        bool, typer.Option("--resume", help="keep finished problems from an existing report")
    ] = False,
    unsafe_local: UnsafeOpt = False,
) -> None:
    """HumanEval pass@1: only prompts reach the model; hidden tests only score."""
    from macrohard.bench import humaneval

    chosen = humaneval.select(humaneval.load_problems(), problems, limit)
    if strategy not in STRATEGIES:
        raise MacrohardError(
            f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}"
        )
    llm = get_model(model)
    load = getattr(llm, "load", None)
    if callable(load):
        load()
    passed = 0
    with Progress(
        TextColumn("[bold]humaneval[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        bar = progress.add_task("run", total=len(chosen), status="")

        def tick(row: dict[str, object]) -> None:
            nonlocal passed
            passed += bool(row["passed"])
            progress.update(bar, advance=1, status=f"passed {passed}, last {row['task_id']}")

        result = humaneval.run(
            llm,
            default_sandbox(unsafe_local),
            chosen,
            strategy,
            report,
            resume=resume,
            on_problem=tick,
        )
    print(f"report: {report}")
    print(humaneval.summary_line(result))


@bench_app.command("projects")
def bench_projects(
    model: ModelOpt = None,
    suite: Annotated[Path, typer.Option("--suite", help="folder of sample requests")] = Path(
        "examples/requests"
    ),
    only: Annotated[str | None, typer.Option("--only", help="comma-separated sample names")] = None,
    max_minutes: Annotated[float, typer.Option("--max-minutes", help="per build")] = 20.0,
    work: Annotated[Path | None, typer.Option("--work", help="where projects are built")] = None,
    report: Annotated[Path, typer.Option("--report")] = Path("reports/projects.json"),
    unsafe_local: UnsafeOpt = False,
) -> None:
    """Build each sample request and score it with acceptance tests the builder never sees."""
    from macrohard.bench import projects
    from macrohard.company import Company
    from macrohard.journal import Journal

    samples = projects.discover(suite, only)
    llm = get_model(model)
    sandbox = default_sandbox(unsafe_local)
    journal = Journal()

    def show(row: dict[str, object]) -> None:
        hidden, own = row["hidden"], row.get("own_tests_on_reference")
        assert isinstance(hidden, dict)
        right = f", own tests right {own['passed']}/{own['total']}" if isinstance(own, dict) else ""
        err.print(
            f"{row['name']}: {row['verdict']}, hidden tests {hidden['passed']}/{hidden['total']}"
            f"{right}, {row.get('seconds', 0):.0f} s"
        )

    result = projects.run(
        lambda: Company(llm, journal=journal, sandbox=sandbox),
        samples,
        sandbox,
        work,
        max_minutes,
        report,
        on_sample=show,
    )
    print(f"report: {report}")
    print(projects.summary_line(result))


@app.command()
def models() -> None:
    """List the embedded model packs and whether they are installed."""
    from macrohard.errors import ModelPackError
    from macrohard.models.packs import PACKS, _part_files

    for pack in PACKS.values():
        try:
            _part_files(pack)
            state = "installed"
        except ModelPackError:
            state = f"missing: {pack.pip_command()[:60]}..."
        print(f"embedded:{pack.name:22} {pack.description:50} {state}")


def main() -> None:
    try:
        app()
    except MacrohardError as exc:
        err.print(f"[red]error:[/] {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("[red]interrupted[/]")
        sys.exit(130)
