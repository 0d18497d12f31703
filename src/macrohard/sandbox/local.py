"""The `local` backend: a child process with rlimits, a clean environment and a wall-clock timeout.

It limits resources but does not isolate the filesystem or the network: it is the fallback for
machines without a namespace sandbox, used only where the caller accepts that.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
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


#: a check run while the command runs (every WATCH_EVERY seconds): a reason to stop it, or None
Watch = Callable[[], str | None]
WATCH_EVERY = 0.1
#: the first check comes sooner and the interval doubles up to WATCH_EVERY: a job that fills the
#: disk from its first instant writes at page-cache speed (GB/s), so 100 ms is hundreds of MB
WATCH_FIRST = 0.01
#: after `stop`, how long the process may take to exit before its group is killed
STOP_GRACE = 5.0


def wait_exit(proc: subprocess.Popen[bytes], timeout: float, watch: Watch | None) -> str | None:
    """Wait until the process exits (None), the timeout passes ("timeout") or `watch` objects.

    A pidfd wakes us the moment the process exits; Popen.wait(timeout) would poll with sleeps of
    up to 50 ms, which is most of a short command's cost.
    """
    deadline = time.monotonic() + timeout
    try:
        pidfd: int | None = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        pidfd = None
    interval = WATCH_FIRST
    try:
        while (left := deadline - time.monotonic()) > 0:
            step = min(left, interval) if watch else left
            interval = min(interval * 2, WATCH_EVERY)
            if pidfd is not None:
                if select.select([pidfd], [], [], step)[0]:
                    return None
            else:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=step)
                    return None
            if watch and (reason := watch()):
                return reason
        return "timeout"
    finally:
        if pidfd is not None:
            os.close(pidfd)


def keep_niceness() -> None:
    """In a child that has just started a session: give its new scheduler autogroup the child's
    niceness. Where the kernel groups processes by session (sched_autogroup, on by default on
    most distributions), niceness only counts inside a group and every group weighs the same, so
    a sandboxed job at nice 10 would take as much CPU as the whole server that started it. Best
    effort: without autogroups there is nothing to set; unprivileged callers may be told to wait
    (one change per 100 ms machine-wide), so a few tries."""
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    if nice <= 0:  # a new group starts at 0; going below needs privilege
        return
    for _ in range(5):
        try:
            with open("/proc/self/autogroup", "w") as group:
                group.write(f"{nice}")
            return
        except BlockingIOError:  # EAGAIN: another group's niceness changed just now
            time.sleep(0.03)
        except OSError:  # no autogroups here (or not ours to change): nothing to keep
            return


def _in_session(preexec: Callable[[], None] | None) -> Callable[[], None]:
    def apply() -> None:
        keep_niceness()  # first: before a preexec drops privileges
        if preexec is not None:
            preexec()

    return apply


def run_process(
    argv: Sequence[str],
    *,
    workdir: Path,
    limits: Limits,
    stdin: str | None,
    env: Mapping[str, str],
    preexec: Callable[[], None] | None,
    pass_fds: Sequence[int] = (),
    watch: Watch | None = None,
    stop: Callable[[], None] | None = None,
) -> ExecResult:
    """Start argv in its own session, wait out the timeout, kill the whole group, cap the output.

    `stop`, when given, is called first when the command has to be stopped (timeout or `watch`);
    the process gets STOP_GRACE seconds to exit after it before its group is killed.

    Input and output are files outside the work dir (output bounded by RLIMIT_FSIZE), never pipes:
    a child that does not read its input or floods its output cannot block us.
    """
    with tempfile.TemporaryDirectory(prefix="mh-io-") as io_dir:
        in_path = Path(io_dir, "stdin")
        out_path, err_path = Path(io_dir, "stdout"), Path(io_dir, "stderr")
        in_path.write_bytes((stdin or "").encode())
        start = time.perf_counter()
        with in_path.open("rb") as inp, out_path.open("wb") as out, err_path.open("wb") as err:
            try:
                proc = subprocess.Popen(  # nosec B603 - argv list, no shell
                    list(argv),
                    cwd=workdir,
                    env=dict(env),
                    stdin=inp if stdin is not None else subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                    preexec_fn=_in_session(preexec),
                    close_fds=True,
                    pass_fds=tuple(pass_fds),
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise SandboxError(f"cannot start {argv[0]!r}: {exc}") from exc
            try:
                stopped = wait_exit(proc, limits.timeout, watch)
                if stopped and stop is not None:
                    stop()
                    wait_exit(proc, STOP_GRACE, None)
            finally:
                kill_group(proc.pid)
                proc.wait()
        seconds = time.perf_counter() - start
        stdout, t1 = read_capped(out_path, limits.output_bytes)
        stderr, t2 = read_capped(err_path, limits.output_bytes)
    timed_out = stopped == "timeout"
    code = TIMEOUT_EXIT if timed_out else proc.returncode
    notes = (stopped,) if stopped and not timed_out else ()
    return ExecResult(code, stdout, stderr, seconds, timed_out, t1 or t2, notes)


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
