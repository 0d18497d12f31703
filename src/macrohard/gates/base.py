"""The gate interface: every check of a project returns the same structured result.

A gate that cannot run (tool missing, crashed, timed out) is a failed gate with the reason, never a
silent pass.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 - static analysers are run as tools
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from macrohard.sandbox import Sandbox

Status = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True)
class Finding:
    message: str
    path: str = ""
    line: int = 0
    severity: str = "error"


@dataclass(frozen=True)
class GateResult:
    gate: str
    status: Status
    summary: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status in ("passed", "skipped")

    def trailer(self) -> str:
        return f"Gate-{self.gate}: {self.status} ({self.summary})"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [asdict(f) for f in self.findings[:50]]
        return data


@runtime_checkable
class Gate(Protocol):
    name: str

    def check(self, project: Path, sandbox: Sandbox) -> GateResult: ...


def tool(name: str) -> list[str] | None:
    """How to run a Python tool: the venv's module, else one on PATH; None when missing."""
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    found = shutil.which(name)
    return [found] if found else None


def run_tool(
    argv: list[str], cwd: Path, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run a static analyser (it reads files, never executes the project's code)."""
    return subprocess.run(  # nosec B603 - argv list
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def error(gate: str, reason: str) -> GateResult:
    return GateResult(gate, "error", reason, (Finding(reason),))
