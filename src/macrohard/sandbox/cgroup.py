"""A memory + pids cgroup per sandbox job, nested under the orchestrator's own cgroup.

cgroup v2 is used where the memory and pids controllers are delegated to our cgroup (its
`cgroup.subtree_control` lists them and we may write there); otherwise the v1 memory and pids
hierarchies where our cgroup directories are writable. Nothing is created elsewhere: the job's
limits always sit inside whatever limits the orchestrator itself lives under. Where neither is
possible the job runs with rlimits only and `Cgroups.reason` says why.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

_COUNTER = itertools.count()


@dataclass(frozen=True)
class Parents:
    """Where job cgroups can be created: v2 parent, or v1 memory/pids parents."""

    v2: Path | None
    memory: Path | None
    pids: Path | None
    reason: str

    @property
    def usable(self) -> bool:
        return bool(self.v2 or self.memory or self.pids)


def _mounts() -> tuple[Path | None, dict[str, Path]]:
    v2: Path | None = None
    v1: dict[str, Path] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or len(rest) < 3:
            continue
        if rest[0] == "cgroup2":
            v2 = Path(fields[4])
        elif rest[0] == "cgroup":
            for option in rest[2].split(","):
                if option in ("memory", "pids"):
                    v1[option] = Path(fields[4])
    return v2, v1


def _own_paths() -> dict[str, str]:
    """Our cgroup per controller ("" is the v2 unified one), from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


@functools.cache
def parents() -> Parents:
    try:
        v2, v1 = _mounts()
        own = _own_paths()
    except (OSError, ValueError) as exc:
        return Parents(None, None, None, f"cannot read the cgroup setup: {exc}")
    if v2 is not None and "" in own:
        parent = v2 / own[""].lstrip("/")
        try:
            enabled = set((parent / "cgroup.subtree_control").read_text().split())
        except OSError:
            enabled = set()
        if {"memory", "pids"} <= enabled and _writable(parent):
            return Parents(parent, None, None, "")
    found = {
        name: v1[name] / own[name].lstrip("/")
        for name in ("memory", "pids")
        if name in v1 and name in own and _writable(v1[name] / own[name].lstrip("/"))
    }
    if found:
        return Parents(None, found.get("memory"), found.get("pids"), "")
    return Parents(
        None, None, None, "no writable cgroup with the memory and pids controllers delegated"
    )


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
    except OSError:
        return False
    return True


class JobCgroup:
    """The cgroup directories of one job: limits set, attach in the child, kill and remove."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs
        self._fds: list[int] = []

    @classmethod
    def create(cls, memory_bytes: int, pids: int) -> JobCgroup | None:
        where = parents()
        name = f"macrohard-{os.getpid()}-{next(_COUNTER)}"
        job = cls([])
        try:
            if where.v2 is not None:
                d = where.v2 / name
                d.mkdir()
                job.dirs.append(d)
                _write(d / "memory.max", str(memory_bytes))
                _write(d / "memory.swap.max", "0")
                _write(d / "pids.max", str(pids))
            if where.memory is not None:
                d = where.memory / name
                d.mkdir()
                job.dirs.append(d)
                _write(d / "memory.limit_in_bytes", str(memory_bytes))
                _write(d / "memory.memsw.limit_in_bytes", str(memory_bytes))
            if where.pids is not None:
                d = where.pids / name
                d.mkdir()
                job.dirs.append(d)
                _write(d / "pids.max", str(pids))
            job._fds = [os.open(d / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for d in job.dirs]
        except OSError:
            job.remove()
            return None
        return job if job.dirs else None

    def attach(self) -> None:
        """In the child before exec (still privileged): move this process into the cgroups."""
        me = str(os.getpid()).encode()
        for fd in self._fds:
            os.write(fd, me)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        return found

    def kill(self, wait: float = 5.0) -> bool:
        """SIGKILL everything left in the job's cgroups; True once they are empty."""
        for d in self.dirs:
            if (d / "cgroup.kill").exists():
                _write(d / "cgroup.kill", "1")
        deadline = time.monotonic() + wait
        while (left := self.pids()) and time.monotonic() < deadline:
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        return not self.pids()

    def remove(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []
        for d in self.dirs:
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
