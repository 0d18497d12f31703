"""`macrohard batch` and `macrohard bench scale`: thin over macrohard.scale and bench.scale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from macrohard.errors import UserError
from macrohard.journal import default_path
from macrohard.models.registry import DEFAULT_SPEC, default_spec
from macrohard.scale import EXECUTORS, BuildJob, JobResult, executor_for, run_all, shared_model

err = Console(stderr=True)

ExecutorOpt = Annotated[
    str, typer.Option("--executor", "-x", help=f"one of: {', '.join(EXECUTORS)}")
]
WorkersOpt = Annotated[int, typer.Option("--workers", "-w", min=1, help="builds at once")]
UnsafeOpt = Annotated[
    bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only (unsafe)")
]


def batch(
    request_files: Annotated[
        list[Path], typer.Argument(help="one request per file; each builds into OUT/<file stem>")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="folder of the new projects")] = Path(
        "projects"
    ),
    executor: ExecutorOpt = "local",
    workers: WorkersOpt = 2,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help=f"default {DEFAULT_SPEC}")
    ] = None,
    budget_tokens: Annotated[int | None, typer.Option("--budget-tokens", min=1)] = None,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", min=0.1)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    unsafe_local: UnsafeOpt = False,
) -> None:
    """Build several requests at once through an executor. Exit 0 only when every one shipped."""
    stems = [f.stem for f in request_files]
    if dupes := sorted({s for s in stems if stems.count(s) > 1}):
        raise UserError(f"request files must have distinct names; repeated: {', '.join(dupes)}")
    jobs = [
        BuildJob(
            _read(f),
            out / f.stem,
            model or default_spec(),
            journal=default_path(),
            budget_tokens=budget_tokens,
            max_minutes=max_minutes,
            unsafe_local=unsafe_local,
        )
        for f in request_files
    ]

    def show(result: JobResult) -> None:
        said = result.error or f"run {result.run_id}, {result.seconds:.0f} s"
        err.print(f"{result.name}: [bold]{result.verdict}[/] ({said})", highlight=False)

    with (
        shared_model(executor, model or default_spec()) as env,
        executor_for(executor, workers, env) as runner,
    ):
        results = run_all(runner, jobs, show)
    if as_json:
        print(json.dumps([_public(r) for r in results]))
    shipped = sum(r.ok for r in results)
    err.print(f"{shipped}/{len(results)} shipped on the {executor} executor")
    if shipped < len(results):
        raise typer.Exit(1)


def bench_scale(
    builds: Annotated[str, typer.Option("--builds", help="queued builds per row")] = "1,10,100",
    executors: Annotated[str, typer.Option("--executors")] = "local,ray",
    workers: WorkersOpt = 2,
    work: Annotated[
        Path | None, typer.Option("--work", help="keep the projects here (default: a temp dir)")
    ] = None,
    report: Annotated[Path, typer.Option("--report")] = Path("reports/scale.json"),
    unsafe_local: UnsafeOpt = False,
) -> None:
    """Builds per minute and overhead per build, local vs Ray, with a scripted model."""
    from macrohard.bench import scale

    names = [n.strip() for n in executors.split(",") if n.strip()]
    if unknown := [n for n in names if n not in EXECUTORS]:
        raise UserError(f"unknown executor(s) {', '.join(unknown)}; use: {', '.join(EXECUTORS)}")

    def show(row: dict[str, Any]) -> None:
        err.print(
            f"{row['executor']} x{row['builds']}: {row['shipped']} shipped, {row['wall_s']} s, "
            f"{row['builds_per_min']} builds/min",
            highlight=False,
        )

    result = scale.run(
        scale.parse_counts(builds), names, workers, work, report, unsafe_local, on_row=show
    )
    print(scale.table(result["rows"]))
    print(f"report: {report}")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise UserError(f"cannot read request file {path}: {exc}") from exc


def _public(result: JobResult) -> dict[str, Any]:
    keys = ("name", "out_dir", "verdict", "run_id", "error", "seconds", "tokens", "resumed")
    return {key: getattr(result, key) for key in keys}


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    app.command()(batch)
    bench_app.command("scale")(bench_scale)
