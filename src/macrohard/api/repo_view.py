"""Read-only views of a build's repository: its files and its diff, always from git objects.

Files are read from the commit at HEAD (`git cat-file`), never from the working tree, so a path is
served only when it is exactly a path of that commit: no `..`, no symlink leading outside, and
nothing under .git (which a commit cannot hold) can ever be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from macrohard.workspace import Workspace

MAX_FILE_BYTES = 1_000_000
MAX_DIFF_BYTES = 2_000_000


class TooLarge(Exception):
    """A file is over MAX_FILE_BYTES."""


@dataclass(frozen=True)
class Snapshot:
    commit: str | None
    files: list[str]


def _workspace(out_dir: str) -> Workspace | None:
    path = Path(out_dir)
    return Workspace(path) if (path / ".git").is_dir() else None


def snapshot(out_dir: str) -> Snapshot:
    """The files of the build's current commit (none before its first commit)."""
    ws = _workspace(out_dir)
    head = ws.head() if ws else None
    if ws is None or head is None:
        return Snapshot(None, [])
    return Snapshot(head, sorted(ws.files(head)))


def read_file(out_dir: str, path: str) -> str | None:
    """The text of `path` at the current commit; None when the commit has no such file."""
    ws = _workspace(out_dir)
    head = ws.head() if ws else None
    if ws is None or head is None or path not in set(ws.files(head)):
        return None
    text = ws.read(path, head)
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise TooLarge(f"{path} is larger than {MAX_FILE_BYTES:,} bytes; clone the repository")
    return text


def diff(out_dir: str) -> str:
    """The whole project as a patch: from the run's first (empty) commit to the current one."""
    ws = _workspace(out_dir)
    head = ws.head() if ws else None
    if ws is None or head is None:
        return ""
    history = ws.log(head, n=1000)
    patch = ws.diff(history[-1].sha, head)
    if len(patch) > MAX_DIFF_BYTES:
        patch = patch[:MAX_DIFF_BYTES] + "\n... diff cut at 2 MB; clone the repository for all\n"
    return patch
