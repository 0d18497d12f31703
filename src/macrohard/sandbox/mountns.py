"""Root only: hand the work dir to an unprivileged bwrap through a private mount namespace.

bwrap running as the sandbox uid must be able to reach the work dir by path, but its parents
may be closed to that uid (pytest's /tmp/pytest-of-root is 0700, projects may live under /root).
So the child, still root, enters a mount namespace of its own, bind-mounts the work dir onto a
fixed staging directory anyone may traverse, mounts the work dir's `.git` read-only there, and
only then drops to the sandbox uid and execs bwrap, which binds the staging directory at the work
dir's real path. The mounts exist only in that namespace and vanish with the job; read-only flags
set here are locked for the less privileged user namespace bwrap creates.
"""

from __future__ import annotations

import ctypes
import os
import stat
from collections.abc import Callable
from pathlib import Path

from macrohard.errors import SandboxError

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV = 0x1, 0x2, 0x4
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
RUNTIME_DIR = Path("/run/macrohard-sandbox")
FALLBACK_DIR = Path("/tmp/macrohard-sandbox")  # noqa: S108 - checked: root's own, 0755

_libc = ctypes.CDLL(None, use_errno=True)
_unshare, _mount = _libc.unshare, _libc.mount


def _own_dir(path: Path) -> Path:
    """A root-owned 0755 directory that nobody else could have planted or swapped."""
    try:
        path.mkdir(mode=0o755, exist_ok=True)
    except OSError as exc:
        raise SandboxError(f"cannot create {path}: {exc}") from exc
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
        raise SandboxError(f"{path} must be a directory owned by root, not writable by others")
    return path


def runtime_dir() -> Path:
    """Lock files of the uid slots and the staging directory live here."""
    return _own_dir(RUNTIME_DIR if RUNTIME_DIR.parent.is_dir() else FALLBACK_DIR)


def stage_dir() -> Path:
    return _own_dir(runtime_dir() / "stage")


def _check(result: int) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def staging(workdir: Path, stage: Path, protect_git: bool) -> Callable[[], None]:
    """For the child before it drops privileges: the mounts described above."""
    src, dst = os.fsencode(workdir), os.fsencode(stage)
    git = dst + b"/.git"
    remount_ro = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV

    def apply() -> None:
        _check(_unshare(CLONE_NEWNS))
        _check(_mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None))
        _check(_mount(src, dst, None, MS_BIND, None))
        if protect_git:
            _check(_mount(git, git, None, MS_BIND, None))
            _check(_mount(None, git, None, remount_ro, None))

    return apply
