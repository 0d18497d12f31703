"""The `local` backend: a child process with rlimits, a clean environment and a wall-clock timeout.

It limits resources but does not isolate the filesystem or the network: it is the fallback for
machines without a namespace sandbox, used only where the caller accepts that.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess  # nosec B404 - running commands is this module's job
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from macrohard.errors import SandboxError
from macrohard.sandbox.base import TIMEOUT_EXIT, ExecResult, Limits

BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "PYTHONHASHSEED": "0",
}


def clean_env(workdir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Nothing from the host environment (API keys included) reaches the child."""
    env = dict(BASE_ENV, HOME=str(workdir), TMPDIR=str(workdir))
    env.update(extra or {})
    return env


def rlimit_setter(limits: Limits) -> Callable[[], None]:
    def apply() -> None:
        mb = 1024 * 1024
        settings = [
            (resource.RLIMIT_CPU, limits.cpu),
            (resource.RLIMIT_AS, limits.memory_mb * mb),
            (resource.RLIMIT_FSIZE, limits.file_size_mb * mb),
            (resource.RLIMIT_NOFILE, limits.open_files),
            (resource.RLIMIT_CORE, 0),
        ]
        if limits.processes is not None:
            settings.append((resource.RLIMIT_NPROC, limits.processes))
        for which, value in settings:
            resource.setrlimit(which, (value, value))

    return apply


def read_capped(path: Path, cap: int) -> tuple[str, bool]:
    with path.open("rb") as fh:
        data = fh.read(cap + 1)
    truncated = len(data) > cap
    return data[:cap].decode("utf-8", errors="replace"), truncated


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_process(
    argv: Sequence[str],
    *,
    workdir: Path,
    limits: Limits,
    stdin: str | None,
    env: Mapping[str, str],
    preexec: Callable[[], None] | None,
) -> ExecResult:
    """Start argv in its own session, wait out the timeout, kill the whole group, cap the output.

    Output goes to files outside the work dir (bounded by RLIMIT_FSIZE), never to unbounded pipes.
    """
    with tempfile.TemporaryDirectory(prefix="mh-io-") as io_dir:
        out_path, err_path = Path(io_dir, "stdout"), Path(io_dir, "stderr")
        start = time.perf_counter()
        with out_path.open("wb") as out, err_path.open("wb") as err:
            try:
                proc = subprocess.Popen(  # nosec B603 - argv list, no shell
                    list(argv),
                    cwd=workdir,
                    env=dict(env),
                    stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                    preexec_fn=preexec,
                    close_fds=True,
                )
            except OSError as exc:
                raise SandboxError(f"cannot start {argv[0]!r}: {exc}") from exc
            timed_out = False
            try:
                if stdin is not None and proc.stdin is not None:
                    try:
                        proc.stdin.write(stdin.encode())
                        proc.stdin.close()
                    except BrokenPipeError:
                        pass
                proc.wait(timeout=limits.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                kill_group(proc.pid)
                proc.wait()
        seconds = time.perf_counter() - start
        stdout, t1 = read_capped(out_path, limits.output_bytes)
        stderr, t2 = read_capped(err_path, limits.output_bytes)
    code = TIMEOUT_EXIT if timed_out else proc.returncode
    return ExecResult(code, stdout, stderr, seconds, timed_out, t1 or t2)


DEFAULT_LIMITS = Limits()


class LocalSandbox:
    """rlimits + timeout + process-group kill; no filesystem or network isolation."""

    name = "local"
    isolated = False

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable

    def run(
        self,
        argv: Sequence[str],
        *,
        workdir: Path,
        limits: Limits = DEFAULT_LIMITS,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        if not argv:
            raise SandboxError("empty command")
        return run_process(
            argv,
            workdir=workdir,
            limits=limits,
            stdin=stdin,
            env=clean_env(workdir, env),
            preexec=rlimit_setter(limits),
        )
