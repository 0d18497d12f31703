"""The host side of a sandbox job: which uid runs it, and lending it the work dir.

When the orchestrator is root, each concurrent job gets a uid of its own (UID_BASE + a slot held by
a file lock), so RLIMIT_NPROC, which counts per uid across the machine, counts only that job. The
work dir is chowned to that uid for the run and handed back afterwards: every entry gets its old
owner again, and entries the job created get the work dir's owner (git refuses a repository owned
by another user). On the way back, what host tools must never meet is removed: FIFOs, sockets and
device nodes (a FIFO blocks whoever opens it) and any new `.git` (a planted repository config can
run commands through git). Setuid/setgid bits are stripped. Nothing of the job runs by then.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from macrohard.errors import SandboxError
from macrohard.sandbox.mountns import runtime_dir

#: sandbox uids are UID_BASE + slot: far above login users and typical subordinate-uid ranges
UID_BASE = int(os.environ.get("MACROHARD_SANDBOX_UID_BASE", "1500000000"))
SLOTS = 64
SLOT_WAIT = 120.0
_SPECIAL = (stat.S_ISFIFO, stat.S_ISSOCK, stat.S_ISCHR, stat.S_ISBLK)


@contextlib.contextmanager
def uid_slot() -> Iterator[int]:
    """Hold one of SLOTS uids for the duration of a job (across threads and processes)."""
    deadline = time.monotonic() + SLOT_WAIT
    flags = os.O_CREAT | os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW
    while True:
        for n in range(SLOTS):
            fd = os.open(runtime_dir() / f"slot-{n}.lock", flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield UID_BASE + n
            finally:
                os.close(fd)
            return
        if time.monotonic() > deadline:
            raise SandboxError(f"all {SLOTS} sandbox slots stayed busy for {SLOT_WAIT:.0f} s")
        time.sleep(0.05)


def walk(root: Path, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry under root (root first), never following symlinks; `skip` paths are left out."""
    yield str(root), os.lstat(root)
    stack = [str(root)]
    while stack:
        gone = (FileNotFoundError, NotADirectoryError, PermissionError)
        with contextlib.suppress(*gone), os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.path in skip:
                    continue
                st = entry.stat(follow_symlinks=False)
                yield entry.path, st
                if stat.S_ISDIR(st.st_mode):
                    stack.append(entry.path)


def usage(root: Path, skip: frozenset[str], cap: int) -> tuple[int, int]:
    """(bytes allocated, entries) under root; stops counting after `cap` entries."""
    size = count = 0
    for _, st in walk(root, skip):
        size += st.st_blocks * 512
        count += 1
        if count > cap:
            break
    return size, count


def is_sandbox_id(n: int) -> bool:
    return UID_BASE <= n < UID_BASE + SLOTS


def reclaim(root: Path) -> int:
    """After a crash mid-job (the orchestrator killed before handing the work dir back): give
    entries still owned by a sandbox uid to the owner of root's parent. Returns how many."""
    parent = os.stat(root.parent)
    count = 0
    for path, st in walk(root):
        if is_sandbox_id(st.st_uid) or is_sandbox_id(st.st_gid):
            os.lchown(path, parent.st_uid, parent.st_gid)
            count += 1
    return count


def processes_of(uid: int) -> int:
    count = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                count += os.stat(f"/proc/{name}").st_uid == uid
    return count


@dataclass
class Lease:
    """The work dir as it was before the job: owners of its entries, its `.git`s and its size."""

    root: Path
    uid: int | None
    skip: frozenset[str]
    owners: dict[str, tuple[int, int]] = field(default_factory=dict)
    gits: set[str] = field(default_factory=set)
    size: int = 0
    entries: int = 0

    def lend(self) -> None:
        """Record the work dir; when a uid is given, chown every entry to it."""
        uid = self.uid
        if uid is not None and is_sandbox_id(os.lstat(self.root).st_uid):
            reclaim(self.root)  # left over from a crashed run: its owner is not a sandbox uid
        for path, st in walk(self.root, self.skip):
            self.size += st.st_blocks * 512
            self.entries += 1
            if os.path.basename(path) == ".git":
                self.gits.add(path)
            if uid is not None:
                self.owners[path] = (st.st_uid, st.st_gid)
                if (st.st_uid, st.st_gid) != (uid, uid):
                    os.lchown(path, uid, uid)

    def give_back(self) -> list[str]:
        """Owners restored, setuid bits and unsafe entries removed; returns what was removed."""
        default = self.owners.get(str(self.root))
        removed = []
        for path, st in walk(self.root, self.skip):
            new_git = os.path.basename(path) == ".git" and path not in self.gits
            if new_git or any(test(st.st_mode) for test in _SPECIAL):
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
                removed.append(os.path.relpath(path, self.root))
                continue
            if default is not None:
                want = self.owners.get(path, default)
                if (st.st_uid, st.st_gid) != want:
                    os.lchown(path, *want)
            if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID):
                os.chmod(path, stat.S_IMODE(st.st_mode) & ~(stat.S_ISUID | stat.S_ISGID))
        return removed
