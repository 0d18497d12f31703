"""`macrohard sandbox exec`: run one command in the sandbox, for users and for checks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from macrohard.errors import UserError
from macrohard.sandbox import Limits, default_sandbox

sandbox_app = typer.Typer(help="Run commands in the sandbox.", no_args_is_help=True)


@sandbox_app.command(
    "exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def exec_(
    command: Annotated[list[str], typer.Argument(help="the command and its arguments, after --")],
    workdir: Annotated[
        Path, typer.Option("--workdir", "-w", help="the only writable directory (and the cwd)")
    ],
    timeout: Annotated[float, typer.Option("--timeout", help="wall-clock seconds")] = 60.0,
    memory_mb: Annotated[int, typer.Option("--memory-mb", help="address space per process")] = 1024,
    unsafe_local: Annotated[
        bool, typer.Option("--unsafe-local", help="no bubblewrap: rlimits only, NOT isolated")
    ] = False,
) -> None:
    """Run CMD inside the sandbox with DIR as its work dir; exit with its status (124: timeout).

    Example: macrohard sandbox exec --workdir /tmp/job -- python3 -c 'print(1)'
    """
    if not workdir.is_dir():
        raise UserError(f"--workdir {workdir} is not a directory")
    sandbox = default_sandbox(unsafe_local)
    limits = Limits(timeout=timeout, memory_mb=memory_mb, cpu_seconds=int(timeout) + 1)
    argv = [sandbox.python if c in ("python", "python3") else c for c in command[:1]] + command[1:]
    result = sandbox.run(argv, workdir=workdir.resolve(), limits=limits)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    for note in (*result.notes, *(["output truncated"] if result.truncated else [])):
        sys.stderr.write(f"[sandbox {sandbox.name}] {note}\n")
    if result.timed_out:
        sys.stderr.write(f"[sandbox {sandbox.name}] timed out after {timeout:g} s\n")
    raise typer.Exit(result.returncode if result.returncode >= 0 else 128 - result.returncode)


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
