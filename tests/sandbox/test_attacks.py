"""Hostile code against the real bubblewrap sandbox: every attack contained, the host unaffected.

Each test runs one attack through `BwrapSandbox.run` with tight limits and asserts both sides:
what the attacker saw or got (an error, a limit, a timeout) and the host afterwards (files,
processes, listeners, environment). The `job` fixture checks after every attack that no sandbox
process is left, no cgroup is left and the work dir is owned as before. The summary line
`attacks: N contained, M escaped` comes from conftest.py.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import macrohard
from macrohard.sandbox import TIMEOUT_EXIT, BwrapSandbox, ExecResult, Limits

pytestmark = [pytest.mark.attack, pytest.mark.timeout(90)]


def attack(sb: BwrapSandbox, workdir: Path, code: str, **limits: object) -> ExecResult:
    source = textwrap.dedent(code)
    lim = Limits(**{"timeout": 10.0, **limits})  # type: ignore[arg-type]
    return sb.run([sb.python, "-c", source], workdir=workdir, limits=lim)


def tree_size(path: Path) -> int:
    return sum(p.lstat().st_blocks * 512 for p in path.rglob("*"))


def test_infinite_loop_is_killed_at_the_timeout(bwrap: BwrapSandbox, job: Path) -> None:
    start = time.perf_counter()
    res = attack(bwrap, job, "while True: pass", timeout=1.0)
    assert res.timed_out and res.returncode == TIMEOUT_EXIT
    assert time.perf_counter() - start < 5


def test_cpu_time_limit_stops_a_busy_loop_before_the_wall_clock(
    bwrap: BwrapSandbox, job: Path
) -> None:
    res = attack(bwrap, job, "while True: pass", timeout=20.0, cpu_seconds=1)
    assert not res.timed_out and res.returncode != 0 and res.seconds < 10


def test_memory_bomb_one_allocation(bwrap: BwrapSandbox, job: Path) -> None:
    res = attack(bwrap, job, "x = bytearray(8 * 1024**3)", memory_mb=256)
    assert res.returncode != 0 and "MemoryError" in res.stderr


def test_memory_bomb_spread_over_processes(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    import os, time
    for _ in range(8):
        if os.fork() == 0:
            break
    blocks = []
    while True:
        blocks.append(bytearray(16 * 1024 * 1024))
    """
    res = attack(bwrap, job, code, memory_mb=128, timeout=10.0)
    assert res.returncode != 0 or res.timed_out
    # the host still has its memory: a fresh process can allocate and run
    assert subprocess.run([sys.executable, "-c", "bytearray(64 * 1024**2)"]).returncode == 0


def test_fork_bomb_hits_the_process_limit(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    import os, time
    n = 0
    try:
        while True:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            n += 1
    except OSError as exc:
        print("forks", n, exc.errno)
    """
    start = time.perf_counter()
    res = attack(bwrap, job, code, processes=32, timeout=10.0)
    forks, errno_ = res.stdout.split()[1:]
    assert int(forks) < 32 and int(errno_) == 11  # EAGAIN
    assert time.perf_counter() - start < 10  # the sleepers died with the job, no timeout
    assert subprocess.run(["true"]).returncode == 0


def test_fork_bomb_without_end_is_killed(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
    """
    start = time.perf_counter()
    res = attack(bwrap, job, code, timeout=2.0)
    assert res.timed_out and time.perf_counter() - start < 10


def test_disk_fill_one_file_stops_at_the_file_size_limit(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    with open("big", "wb") as f:
        while True:
            f.write(b"0" * 1024 * 1024)
    """
    res = attack(bwrap, job, code, file_size_mb=4)
    assert res.returncode != 0
    assert (job / "big").stat().st_size <= 4 * 1024 * 1024


def test_disk_fill_many_files_stops_at_the_work_dir_quota(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    i = 0
    while True:
        with open(f"fill{i}", "wb") as f:
            f.write(b"0" * 1024 * 1024)
        i += 1
    """
    res = attack(bwrap, job, code, file_size_mb=2, disk_mb=16, timeout=30.0)
    assert not res.timed_out and res.returncode != 0
    assert any("grew by more than 16 MB" in n for n in res.notes), res.notes
    assert tree_size(job) < 300 * 1024 * 1024


def test_disk_fill_many_empty_files_stops(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    import os
    os.mkdir("d")
    i = 0
    while True:
        open(f"d/{i}", "w").close()
        i += 1
    """
    res = attack(bwrap, job, code, timeout=30.0)
    assert not res.timed_out and any("new entries" in n for n in res.notes), res.notes


def test_disk_fill_tmp_and_shm_are_small_private_tmpfs(bwrap: BwrapSandbox, job: Path) -> None:
    host_tmp = shutil.disk_usage("/tmp").free
    code = """
    import os
    for d in ("/tmp", "/dev/shm"):
        i = 0
        try:
            while True:
                with open(f"{d}/mh-fill-{i}", "wb") as f:
                    f.write(b"0" * 1024 * 1024)
                i += 1
        except OSError as exc:
            print(d, i, exc.errno)
    """
    res = attack(bwrap, job, code, file_size_mb=8)
    lines = dict((ln.split()[0], ln.split()[1:]) for ln in res.stdout.splitlines())
    assert int(lines["/tmp"][0]) <= 64 and lines["/tmp"][1] == "28"  # ENOSPC
    assert int(lines["/dev/shm"][0]) <= 16 and lines["/dev/shm"][1] == "28"
    assert not list(Path("/tmp").glob("mh-fill-*"))
    assert shutil.disk_usage("/tmp").free > host_tmp - 32 * 1024 * 1024


def test_writing_outside_the_work_dir(bwrap: BwrapSandbox, job: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("original\n")
    (job / "link-out").symlink_to(outside)  # a link the host left in the work dir
    targets = [
        str(outside / "victim.txt"),  # absolute path
        "../outside/victim.txt",  # ..
        "link-out/victim.txt",  # a symlink pointing out
        "planted/victim.txt",  # a symlink the attacker makes
        "/etc/passwd",
        "/usr/bin/mh-planted",
        "/root/mh-planted",
        str(Path(macrohard.__file__).parent / "mh-planted.py"),
        "/dev/mh-planted",
        "/proc/sys/kernel/hostname",
    ]
    code = f"""
    import os
    os.symlink({str(outside)!r}, "planted")
    ok = []
    for t in {targets!r}:
        try:
            with open(t, "a") as f:
                f.write("pwned\\n")
            ok.append(t)
        except OSError:
            pass
    try:
        os.link("/etc/hostname", "hard")
        ok.append("hardlink")
    except OSError:
        pass
    print("written", ok)
    """
    res = attack(bwrap, job, code)
    assert res.stdout.strip() == "written []", res.stdout + res.stderr
    assert (outside / "victim.txt").read_text() == "original\n"
    assert list(outside.iterdir()) == [outside / "victim.txt"]
    assert not Path("/root/mh-planted").exists() and not Path("/usr/bin/mh-planted").exists()
    assert not (Path(macrohard.__file__).parent / "mh-planted.py").exists()


def test_reading_host_files(bwrap: BwrapSandbox, job: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    key = home / ".ssh" / "id_ed25519"
    key.write_text("CANARY-PRIVATE-KEY\n")
    key.chmod(0o600)
    home.chmod(0o700)
    (tmp_path / "sibling.txt").write_text("CANARY-SIBLING\n")
    project_file = Path(macrohard.__file__)
    paths = [
        str(key),
        "../sibling.txt",
        "../home/.ssh/id_ed25519",
        "/root/.ssh/id_rsa",
        "/root/.bash_history",
        "/etc/shadow",
        "/etc/gshadow",
        str(project_file),
        str(Path(macrohard.__file__).parents[2] / "pyproject.toml"),
        "/usr/local/lib/python3.11/dist-packages",
        "/proc/1/environ",
    ]
    code = f"""
    import os
    for p in {paths!r}:
        try:
            data = open(p, "rb").read() if not os.path.isdir(p) else os.listdir(p)
            print("READ", p, data)
        except OSError as exc:
            print("denied", p, type(exc).__name__)
    print("root:", os.listdir("/"))
    print("procs:", [p for p in os.listdir("/proc") if p.isdigit()])
    """
    res = attack(bwrap, job, code)
    assert "CANARY" not in res.stdout
    assert project_file.read_text()[:40] not in res.stdout
    read = [ln for ln in res.stdout.splitlines() if ln.startswith("READ")]
    # only the job's own (empty-environment) /proc/1 may be read
    assert all(ln.startswith("READ /proc/1/environ") for ln in read), read
    assert "'root'" not in res.stdout and "'home'" not in res.stdout and "'work'" not in res.stdout
    procs = json.loads(res.stdout.split("procs: ")[1].splitlines()[0].replace("'", '"'))
    assert procs == ["1"]  # the job sees itself only, never the host's processes


CANARIES = {
    "OPENAI_API_KEY": "sk-canary-openai-0123456789",
    "ANTHROPIC_API_KEY": "sk-ant-canary-0123456789",
    "MACROHARD_OPENAI_API_KEY": "sk-canary-macrohard-0123456789",
    "AWS_SECRET_ACCESS_KEY": "canary-aws-0123456789",
    "MH_CANARY_TOKEN": "canary-token-0123456789",
}


ALLOWED_ENV = {
    *("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "USER", "LOGNAME", "PWD"),
    *("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONHASHSEED"),
    *("PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_INPUT"),
}


def test_host_environment_and_api_keys_never_enter(
    bwrap: BwrapSandbox, job: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in CANARIES.items():
        monkeypatch.setenv(key, value)
    code = """
    import os, glob
    print(dict(os.environ))
    for f in glob.glob("/proc/*/environ"):
        try:
            print(f, open(f, "rb").read())
        except OSError:
            pass
    print(open("/proc/self/cmdline", "rb").read())
    """
    res = attack(bwrap, job, code, timeout=10.0)
    assert res.returncode == 0, res.stderr
    for key, value in CANARIES.items():
        assert key not in res.stdout and value not in res.stdout
    env = ast.literal_eval(res.stdout.splitlines()[0])
    assert set(env) <= ALLOWED_ENV


def test_network_host_loopback_outside_address_and_dns(bwrap: BwrapSandbox, job: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(b"\0mh-canary-%d" % os.getpid())
    unix.listen()
    unix.setblocking(False)
    code = f"""
    import socket
    def attempt(label, fn):
        try:
            fn()
            print(label, "CONNECTED")
        except OSError as exc:
            print(label, exc.errno)
    def tcp(host, port):
        s = socket.socket()
        s.settimeout(3)
        s.connect((host, port))
    def udp():
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("1.1.1.1", 53))
    def abstract():
        s = socket.socket(socket.AF_UNIX)
        s.connect(b"\\0mh-canary-{os.getpid()}")
    attempt("loopback", lambda: tcp("127.0.0.1", {port}))
    attempt("outside", lambda: tcp("1.1.1.1", 53))
    attempt("udp", udp)
    attempt("abstract", abstract)
    attempt("dns", lambda: socket.getaddrinfo("example.com", 80))
    print("interfaces", [name for _, name in socket.if_nameindex()])
    """
    try:
        res = attack(bwrap, job, code)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing reached the host's listener
        with pytest.raises(BlockingIOError):
            unix.accept()
    finally:
        listener.close()
        unix.close()
    out = dict(ln.split(" ", 1) for ln in res.stdout.splitlines())
    assert out["loopback"] == "111"  # ECONNREFUSED: the sandbox's own, empty loopback
    assert out["outside"] == "101" and out["udp"] == "101"  # ENETUNREACH: no route, nothing sent
    assert out["abstract"] == "111"
    assert out["dns"] != "CONNECTED"
    assert out["interfaces"] == "['lo']"


def test_daemon_does_not_outlive_the_job(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                with open("heartbeat", "a") as f:
                    f.write(".")
                time.sleep(0.02)
        os._exit(0)
    time.sleep(0.3)
    print("main done")
    """
    res = attack(bwrap, job, code)
    assert res.returncode == 0 and not res.timed_out
    beats = (job / "heartbeat").stat().st_size
    assert beats > 0  # the daemon did run...
    time.sleep(0.5)
    assert (job / "heartbeat").stat().st_size == beats  # ...and died with the job


def test_signals_to_the_parent_and_the_host(bwrap: BwrapSandbox, job: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        code = f"""
        import os, signal
        for target in (os.getppid(), {os.getpid()}, {sleeper.pid}, 1, -1):
            try:
                os.kill(target, signal.SIGKILL)
                print("sent", target)
            except OSError as exc:
                print("failed", target, exc.errno)
        print("still here")
        """
        res = attack(bwrap, job, code)
        assert "still here" in res.stdout
        assert f"sent {sleeper.pid}" not in res.stdout and f"sent {os.getpid()}" not in res.stdout
        time.sleep(0.1)
        assert sleeper.poll() is None  # the host's processes are untouched
    finally:
        sleeper.send_signal(signal.SIGKILL)
        sleeper.wait()


def test_huge_output_is_capped(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    import sys
    chunk = "x" * 1024 * 1024
    while True:
        sys.stdout.write(chunk)
        sys.stderr.write(chunk)
    """
    res = attack(bwrap, job, code, output_bytes=10_000, file_size_mb=8)
    assert res.truncated and len(res.stdout) == 10_000 and len(res.stderr) <= 10_000
    assert res.returncode != 0 and not res.timed_out  # stopped by the file size limit


def test_nested_namespaces_and_privileges_are_refused(bwrap: BwrapSandbox, job: Path) -> None:
    code = """
    import ctypes, os, stat
    libc = ctypes.CDLL(None, use_errno=True)
    for flag in (0x10000000, 0x40000000, 0x00020000):  # CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS
        if libc.unshare(flag) == 0:
            print("unshared", flag)
        else:
            print("refused", flag, ctypes.get_errno())
    node = lambda: os.mknod("node", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    for fn in (lambda: os.setuid(0), lambda: os.chroot("/tmp"), node):
        try:
            fn()
            print("PRIVILEGED")
        except OSError:
            pass
    print("uid", os.getuid())
    """
    res = attack(bwrap, job, code)
    assert "unshared" not in res.stdout and "PRIVILEGED" not in res.stdout, res.stdout
    if os.geteuid() == 0:
        assert "uid 0" not in res.stdout


def test_git_hooks_setuid_and_fifos_do_not_reach_the_host(bwrap: BwrapSandbox, job: Path) -> None:
    subprocess.run(["git", "init", "-q", str(job)], check=True)
    hooks = sorted(p.name for p in (job / ".git" / "hooks").iterdir())
    code = """
    import os
    out = []
    for path in (".git/hooks/pre-commit", ".git/config"):
        try:
            with open(path, "a") as f:
                f.write("touch /tmp/pwned\\n")
            out.append(path)
        except OSError:
            pass
    os.makedirs("sub/.git")
    open("sub/.git/config", "w").write("[core]\\n\\tfsmonitor = touch /tmp/pwned\\n")
    open("suid", "w").write("#!/bin/sh\\n")
    os.chmod("suid", 0o6755)
    os.mkfifo("fifo")
    print("written", out)
    """
    res = attack(bwrap, job, code)
    assert res.stdout.strip() == "written []", res.stdout + res.stderr
    assert sorted(p.name for p in (job / ".git" / "hooks").iterdir()) == hooks
    assert not (job / "sub" / ".git").exists() and not (job / "fifo").exists()
    assert any("sub/.git" in n and "fifo" in n for n in res.notes), res.notes
    assert (job / "suid").stat().st_mode & 0o6000 == 0
    git = subprocess.run(["git", "-C", str(job), "fsck"], capture_output=True, text=True)
    assert git.returncode == 0, git.stderr
