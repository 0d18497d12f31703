"""The real bubblewrap sandbox for tests (the attack tally is tests/conftest.py's).

Without bubblewrap the bwrap tests skip, except in CI (env CI set), where they fail: CI installs it
with `make setup`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from macrohard.sandbox import BwrapSandbox, lease
from macrohard.sandbox.bwrap import unavailable
from macrohard.sandbox.cgroup import parents

#: this test session's own sandbox uids, so that checks for leftover processes are not confused
#: by other sessions running sandboxes on the same machine
lease.UID_BASE += 1_000_000 + (os.getpid() % 4096) * lease.SLOTS


@pytest.fixture(scope="session")
def bwrap() -> BwrapSandbox:
    reason = unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"bubblewrap sandbox unavailable in CI: {reason}")
        pytest.skip(f"bubblewrap sandbox unavailable: {reason}")
    return BwrapSandbox()


def sandbox_processes() -> list[int]:
    """Host pids running as a sandbox uid (root mode). Zombies are left out: they run nothing and
    wait for the host's init to reap them (which happens when a huge job took long to die)."""
    if os.geteuid() != 0:
        return []
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                uid = os.stat(f"/proc/{name}").st_uid
            except OSError:
                continue
            if lease.UID_BASE <= uid < lease.UID_BASE + lease.SLOTS and not zombie(name):
                found.append(int(name))
    return found


def zombie(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def describe(pid: int) -> str:
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
    except OSError:
        return f"{pid}: gone"
    keep = ("Name", "State", "PPid", "NSpid", "Uid")
    return f"{pid}: {cmd!r} " + "; ".join(ln for ln in status if ln.split(":")[0] in keep)


def leftover_cgroups() -> list[Path]:
    where = parents()
    dirs = [d for d in (where.v2, where.memory, where.pids) if d is not None]
    return [p for d in dirs for p in d.glob(f"macrohard-{os.getpid()}-*")]


@pytest.fixture
def job(tmp_path: Path, bwrap: BwrapSandbox) -> Iterator[Path]:
    """A work dir inside pytest's root-only tmp tree; afterwards the host must be as before:
    no sandbox process alive, no cgroup left, every entry owned by its old owner, no setuid."""
    workdir = tmp_path / "job"
    workdir.mkdir()
    (workdir / "input.txt").write_text("hello\n")
    owner = (workdir.stat().st_uid, workdir.stat().st_gid)
    yield workdir
    left = sandbox_processes()
    assert left == [], [describe(pid) for pid in left]
    assert leftover_cgroups() == []
    for path in [workdir, *workdir.rglob("*")]:
        st = path.lstat()
        assert (st.st_uid, st.st_gid) == owner, path
        assert not st.st_mode & (stat.S_ISUID | stat.S_ISGID), path
