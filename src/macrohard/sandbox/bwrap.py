"""The `bwrap` backend: bubblewrap namespaces around every command.

Inside: new user/pid/net/ipc/uts/cgroup namespaces (no network: only the sandbox's own loopback),
nested user namespaces disabled, a read-only /usr (/usr/local hidden) and the few /etc files Python
needs, a fresh /proc and /dev, size-limited tmpfs on /tmp and /dev/shm, and the job's work dir as
the only writable place, at its own absolute path (paths in commands stay valid), its `.git`
read-only (hooks or config written there would run on the host). The command is pid 1
(`--as-pid-1`): when it exits, the namespace and every daemon it left die with it. The environment
is built from scratch; nothing of the host's gets in.

Outside: rlimits (CPU, address space, file size, processes, open files, no core dumps), a
memory/pids cgroup where the host delegates one (cgroup.py), a wall-clock timeout, a disk quota on
the work dir, and a kill of the whole tree. As root, bwrap runs as an unprivileged uid of its own
(lease.py; started by root, sandboxed code could read root-only files), reaching the work dir
through a private mount namespace (mountns.py).
"""

from __future__ import annotations

import contextlib
import functools
import glob
import logging
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from macrohard.errors import SandboxError
from macrohard.sandbox.base import ExecResult, Limits, scratch_dir
from macrohard.sandbox.cgroup import JobCgroup, parents
from macrohard.sandbox.lease import Lease, processes_of, uid_slot, usage
from macrohard.sandbox.local import (
    BASE_ENV,
    DEFAULT_LIMITS,
    Watch,
    rlimit_setter,
    run_process,
)
from macrohard.sandbox.mountns import stage_dir, staging
from macrohard.sandbox.pidns import SandboxInit

log = logging.getLogger(__name__)

SYSTEM_PYTHON = "/usr/bin/python3"
DEFAULT_PROCESSES = 256
MAX_NEW_ENTRIES = 20_000
SHM_BYTES = 16 * 1024 * 1024
MB = 1024 * 1024
#: paths inside the sandbox: its own tmpfs mounts, not the host's
TMP, SHM = "/tmp", "/dev/shm"  # noqa: S108 # nosec B108
_TOP_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = ("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf")
#: what the sandboxed Python needs for tests and for building and installing the release wheel
NEEDED_MODULES = ("pytest", "pip", "venv", "setuptools", "wheel")
INSTALL_HINT = (
    "install bubblewrap and Debian's Python tools: `make setup` as root on Debian, or "
    "`apt-get install bubblewrap python3-pytest python3-pip python3-venv python3-setuptools "
    "python3-wheel`"
)


@functools.cache
def system_mounts() -> tuple[str, ...]:
    """Read-only system directories, /usr/local hidden, and the /etc pieces Python needs."""
    args = ["--ro-bind", "/usr", "/usr"]
    if os.path.isdir("/usr/local"):
        args += ["--tmpfs", "/usr/local", "--remount-ro", "/usr/local"]
    for top in _TOP_DIRS:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    etc = [f"/etc/{name}" for name in _ETC] + sorted(glob.glob("/etc/python3*"))
    for path in etc:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return tuple(args)


def sandbox_env(workdir: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    """A minimal environment; the caller's `extra` on top, never the host's environment."""
    env = dict(BASE_ENV, HOME=str(workdir), TMPDIR=TMP, USER="sandbox", LOGNAME="sandbox")
    env.update(PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    env.update(extra or {})
    return env


def bwrap_args(
    workdir: Path, source: Path, git: bool, info_fd: int, tmp_bytes: int, env: Mapping[str, str]
) -> list[str]:
    """`source` is the work dir as bwrap can reach it (see mountns.py); `git`: bind .git ro."""
    args = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"]
    # no --new-session: run_process starts bwrap in a session of its own already (no controlling
    # terminal, so no TIOCSTI), and a second one would put the job in a scheduler autogroup at
    # nice 0, taking CPU from the API however nice its build is (local.keep_niceness)
    args += ["--as-pid-1", "--hostname", "sandbox", *system_mounts()]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(SHM_BYTES), "--tmpfs", SHM, "--remount-ro", "/dev"]
    args += ["--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", TMP]
    args += ["--bind", str(source), str(workdir)]
    if git:
        args += ["--ro-bind", str(workdir / ".git"), str(workdir / ".git")]
    args += ["--remount-ro", "/", "--chdir", str(workdir), "--info-fd", str(info_fd)]
    args.append("--clearenv")
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def _preexec(
    cgroup: JobCgroup | None,
    limits: Limits,
    ids: tuple[int, int] | None,
    stage: Callable[[], None] | None,
) -> Callable[[], None]:
    """In the child, in this order: join the cgroup and stage the work dir (both need root),
    set rlimits, drop to the job's uid."""
    set_limits = rlimit_setter(limits)

    def apply() -> None:
        if cgroup is not None:
            cgroup.attach()
        if stage is not None:
            stage()
        set_limits()
        if ids is not None:
            os.setgroups([])
            os.setgid(ids[1])
            os.setuid(ids[0])

    return apply


def _disk_watch(lease: Lease, limits: Limits) -> Watch:
    cap = lease.entries + MAX_NEW_ENTRIES

    def check() -> str | None:
        size, entries = usage(lease.root, lease.skip, cap)
        if entries > cap:
            return f"stopped: more than {MAX_NEW_ENTRIES} new entries in the work dir"
        if size - lease.size > limits.disk_mb * MB:
            return f"stopped: the work dir grew by more than {limits.disk_mb} MB"
        return None

    return check


class BwrapSandbox:
    """Namespaces, a read-only system, one writable work dir, no network, limits on everything."""

    name = "bwrap"
    isolated = True

    def __init__(
        self, python: str = SYSTEM_PYTHON, bwrap: str | None = None, cgroups: bool = True
    ) -> None:
        self.python = python
        self.bwrap = bwrap or shutil.which("bwrap") or "bwrap"
        self.cgroups = cgroups

    @property
    def cgroup_status(self) -> str:
        where = parents()
        if not self.cgroups:
            return "cgroups off"
        return "memory/pids cgroup per job" if where.usable else f"no cgroup: {where.reason}"

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
        workdir = Path(workdir).resolve()
        if not workdir.is_dir():
            raise SandboxError(f"the work dir {workdir} is not a directory")
        git = workdir / ".git"
        if git.is_symlink():
            raise SandboxError(f"refusing a work dir whose .git is a symlink: {git}")
        skip = frozenset({str(git)}) if git.exists() else frozenset()
        with uid_slot() if os.geteuid() == 0 else contextlib.nullcontext(None) as slot:
            return self._run(argv, workdir, skip, slot, limits, stdin, env)

    def _run(
        self,
        argv: Sequence[str],
        workdir: Path,
        skip: frozenset[str],
        uid: int | None,
        limits: Limits,
        stdin: str | None,
        env: Mapping[str, str] | None,
    ) -> ExecResult:
        notes: list[str] = []
        nproc = limits.processes or DEFAULT_PROCESSES
        tmp_bytes = min(limits.memory_mb, max(64, 2 * limits.file_size_mb)) * MB
        lease = Lease(workdir, uid, skip)
        cgroup = init = None
        info_r, info_w = os.pipe()
        os.set_blocking(info_r, False)
        try:
            lease.lend()
            init = SandboxInit(info_r)
            if self.cgroups:
                cgroup = JobCgroup.create(limits.memory_mb * MB + tmp_bytes + SHM_BYTES, nproc)
                if cgroup is None:
                    notes.append(self.cgroup_status + "; rlimits only")
            if uid is None:  # NPROC counts every process of our uid: allow for those running
                nproc += processes_of(os.getuid())
                source, ids, stage = workdir, None, None
            else:
                source, ids = stage_dir(), (uid, uid)
                stage = staging(workdir, source, bool(skip))
            git_ro, job_env = bool(skip) and uid is None, sandbox_env(workdir, env)
            args = bwrap_args(workdir, source, git_ro, info_w, tmp_bytes, job_env)
            result = run_process(
                [self.bwrap, *args, "--", *argv],
                workdir=Path("/"),
                limits=limits,
                stdin=stdin,
                env={},
                preexec=_preexec(cgroup, replace(limits, processes=nproc), ids, stage),
                pass_fds=[info_w],
                watch=_disk_watch(lease, limits),
                stop=init.kill,
            )
        finally:
            os.close(info_w)
            if init is not None and not init.wait_gone():
                notes.append("the sandbox's init outlived the job for 5 s")
            if cgroup is not None:
                if not cgroup.kill():
                    notes.append("processes were left in the job's cgroup")
                cgroup.remove()
            os.close(info_r)
            removed = lease.give_back()
        if removed:
            notes.append("removed from the work dir: " + ", ".join(removed[:10]))
        return replace(result, notes=result.notes + tuple(notes))


@functools.cache
def unavailable(bwrap: str | None = None) -> str | None:
    """Why the bubblewrap sandbox cannot be used here, or None when it works (probed once)."""
    path = bwrap or shutil.which("bwrap")
    if not path:
        return "bubblewrap (bwrap) is not installed"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is missing (the sandbox runs Debian's Python)"
    code = "import importlib.util as u; print('ok', *[m for m in %r if not u.find_spec(m)])"
    try:
        with scratch_dir() as tmp:
            res = BwrapSandbox(bwrap=path).run(
                [SYSTEM_PYTHON, "-c", code % (NEEDED_MODULES,)], workdir=tmp, limits=Limits(20)
            )
    except (SandboxError, OSError) as exc:
        return f"bubblewrap does not work here: {exc}"
    words = res.stdout.split()
    if not words or words[0] != "ok":
        return f"bubblewrap does not work here: {(res.stderr or res.stdout).strip()[-300:]}"
    if words[1:]:
        log.warning("the sandbox's Python lacks %s: %s", ", ".join(words[1:]), INSTALL_HINT)
    return None
