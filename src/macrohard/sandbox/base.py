"""The Sandbox interface: run a command in a work directory under limits, get a result back.

Backends differ in how strongly they isolate (rlimits only, or namespaces with bubblewrap); callers
only see `run`. Every backend kills the whole process tree at the end and caps the output it keeps.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

TIMEOUT_EXIT = 124


@dataclass(frozen=True)
class Limits:
    """Resource limits for one command. `cpu_seconds` defaults to the wall timeout plus one.

    `processes` and `disk_mb` (growth of the work dir) are enforced by isolating backends, which
    apply a default where `processes` is None.
    """

    timeout: float = 10.0
    memory_mb: int = 1024
    file_size_mb: int = 64
    open_files: int = 256
    processes: int | None = None
    cpu_seconds: int | None = None
    output_bytes: int = 256_000
    disk_mb: int = 1024

    @property
    def cpu(self) -> int:
        return self.cpu_seconds or int(self.timeout) + 1


@dataclass(frozen=True)
class ExecResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    truncated: bool = False
    #: what the backend did or could not do (no cgroup here, a disk quota hit, files cleaned up)
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


@runtime_checkable
class Sandbox(Protocol):
    name: str
    #: the interpreter to use for Python inside this sandbox
    python: str
    #: True when the backend isolates filesystem and network, not only resources
    isolated: bool

    def run(
        self,
        argv: Sequence[str],
        *,
        workdir: Path,
        limits: Limits = ...,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult: ...


@contextmanager
def scratch_dir(files: Mapping[str, str] | None = None, prefix: str = "mh-job-") -> Iterator[Path]:
    """A temporary work dir filled with `files` (relative path -> text), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(tmp)
        for rel, text in (files or {}).items():
            target = (root / rel).resolve()
            if not target.is_relative_to(root.resolve()):
                raise ValueError(f"file path escapes the work directory: {rel!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        yield root
