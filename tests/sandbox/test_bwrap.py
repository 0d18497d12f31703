"""The bubblewrap backend's ordinary behaviour, backend selection and `macrohard sandbox exec`."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import macrohard.sandbox as sandbox_pkg
from macrohard.cli.sandbox_cmd import register
from macrohard.errors import SandboxError
from macrohard.sandbox import BwrapSandbox, Limits, LocalSandbox, default_sandbox, lease


def test_runs_in_the_work_dir_with_input_output_and_status(bwrap: BwrapSandbox, job: Path) -> None:
    code = "import os, sys; print(os.getcwd(), sys.stdin.read(), open('input.txt').read().strip());"
    code += "open('made.txt', 'w').write('x'); sys.exit(3)"
    res = bwrap.run([bwrap.python, "-c", code], workdir=job, stdin="IN", env={"EXTRA": "1"})
    assert res.returncode == 3 and res.stdout == f"{job} IN hello\n", res.stderr
    assert (job / "made.txt").read_text() == "x"


def test_caller_env_is_passed_and_home_is_the_work_dir(bwrap: BwrapSandbox, job: Path) -> None:
    code = "import os; print(os.environ['EXTRA'], os.environ['HOME'], os.environ['TMPDIR'])"
    res = bwrap.run([bwrap.python, "-c", code], workdir=job, env={"EXTRA": "yes"})
    assert res.stdout.split() == ["yes", str(job), "/tmp"]


def test_python_tools_are_there_for_tests_and_release(bwrap: BwrapSandbox, job: Path) -> None:
    code = "import setuptools, wheel, pytest, pip, venv; print('ok')"  # setuptools before pip
    res = bwrap.run([bwrap.python, "-c", code], workdir=job)
    assert res.stdout == "ok\n", res.stderr


def test_concurrent_jobs_run_apart(bwrap: BwrapSandbox, tmp_path: Path) -> None:
    dirs = [tmp_path / f"j{i}" for i in range(3)]
    for d in dirs:
        d.mkdir()
        (d / "name").write_text(d.name)
    code = "import os, time; time.sleep(0.3); print(open('name').read(), os.getuid())"
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda d: bwrap.run([bwrap.python, "-c", code], workdir=d), dirs))
    assert [r.stdout.split()[0] for r in results] == ["j0", "j1", "j2"]
    if os.geteuid() == 0:  # one uid per concurrent job, so NPROC limits count per job
        assert len({r.stdout.split()[1] for r in results}) == 3


def test_a_work_dir_left_to_a_sandbox_uid_by_a_crash_is_reclaimed(
    bwrap: BwrapSandbox, job: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root lends work dirs to other uids")
    (job / "sub").mkdir()
    for path in (job, job / "sub", job / "input.txt"):
        os.lchown(path, lease.UID_BASE + 3, lease.UID_BASE + 3)
    res = bwrap.run(["true"], workdir=job)
    assert res.returncode == 0
    # the job fixture checks that every entry is owned as the work dir was created


def test_missing_bwrap_is_an_error_that_says_how_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MACROHARD_UNSAFE_LOCAL", raising=False)
    monkeypatch.setattr(sandbox_pkg, "unavailable", lambda: "bubblewrap (bwrap) is not installed")
    with pytest.raises(SandboxError) as info:
        default_sandbox()
    message = str(info.value)
    assert "apt-get install bubblewrap" in message and "make setup" in message
    assert "--unsafe-local" in message and "MACROHARD_UNSAFE_LOCAL=1" in message


@pytest.mark.parametrize("how", ["argument", "env"])
def test_unsafe_local_only_on_request_and_labelled(
    how: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sandbox_pkg, "unavailable", lambda: "bubblewrap (bwrap) is not installed")
    if how == "env":
        monkeypatch.setenv("MACROHARD_UNSAFE_LOCAL", "1")
    with caplog.at_level(logging.WARNING):
        sb = default_sandbox(unsafe_local=how == "argument")
    assert isinstance(sb, LocalSandbox) and sb.name == "local (unsafe)" and not sb.isolated
    assert "WITHOUT isolation" in caplog.text
    assert LocalSandbox().name == "local"  # the class itself is untouched


def test_default_is_bwrap_where_it_works(
    bwrap: BwrapSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MACROHARD_UNSAFE_LOCAL", raising=False)
    sb = default_sandbox()
    assert isinstance(sb, BwrapSandbox) and sb.isolated and sb.python == "/usr/bin/python3"


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """test app"""

    register(app)
    return app


def test_cli_exec_prints_output_and_exits_with_the_status(bwrap: BwrapSandbox, job: Path) -> None:
    args = ["sandbox", "exec", "--workdir", str(job), "--", "python3", "-c"]
    res = CliRunner().invoke(cli(), [*args, "print(open('input.txt').read()); exit(7)"])
    assert res.exit_code == 7 and "hello" in res.stdout


def test_cli_exec_timeout_is_124(bwrap: BwrapSandbox, job: Path) -> None:
    args = ["sandbox", "exec", "--workdir", str(job), "--timeout", "0.5", "--memory-mb", "256"]
    res = CliRunner().invoke(cli(), [*args, "--", "sh", "-c", "while :; do :; done"])
    assert res.exit_code == 124


def test_cli_exec_rejects_a_missing_work_dir(tmp_path: Path) -> None:
    args = ["sandbox", "exec", "--workdir", str(tmp_path / "nope"), "--", "true"]
    res = CliRunner().invoke(cli(), args)
    assert res.exit_code != 0 and "not a directory" in str(res.exception)


def test_limits_are_the_callers(bwrap: BwrapSandbox, job: Path) -> None:
    code = "import resource as r; "
    code += "print(r.getrlimit(r.RLIMIT_NOFILE)[0], r.getrlimit(r.RLIMIT_CORE)[0])"
    res = bwrap.run([bwrap.python, "-c", code], workdir=job, limits=Limits(open_files=64))
    assert res.stdout.split() == ["64", "0"]


def _my_autogroup() -> str:
    """This process's scheduler autogroup, or "" where there is none: no autogroup support, or a
    process still in the init session's group (a container's PID 1 and what it starts without a
    session, as on the CI runner), for which the kernel prints nothing."""
    try:
        return Path("/proc/self/autogroup").read_text().strip()
    except OSError:
        return ""


@pytest.mark.skipif(not _my_autogroup(), reason="this process is not scheduled by autogroup")
def test_a_job_keeps_its_callers_niceness_in_its_own_session(
    bwrap: BwrapSandbox, job: Path
) -> None:
    """A job runs in a session of its own, which the kernel schedules as a group of its own;
    the group must be as nice as the build that started the job, or the job competes with the
    whole server on equal terms."""

    def run_nicely() -> tuple[str, str]:
        tid = threading.get_native_id()  # niceness is per thread on Linux
        os.setpriority(os.PRIO_PROCESS, tid, max(7, os.getpriority(os.PRIO_PROCESS, tid)))
        res = bwrap.run(["cat", "/proc/self/autogroup"], workdir=job)
        return res.stdout.strip(), str(os.getpriority(os.PRIO_PROCESS, tid))

    with ThreadPoolExecutor(1) as pool:
        group, nice = pool.submit(run_nicely).result()
    mine = _my_autogroup().split()[0]
    assert group.split()[0] != mine  # a session (and so a scheduler group) of its own
    assert group.endswith(f"nice {nice}"), group
