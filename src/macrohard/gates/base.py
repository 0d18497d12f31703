"""The gate interface: every check of a project returns the same structured result.

A gate that cannot run (tool missing, crashed, timed out) is an "error" with the reason, never a
silent pass. "skipped" means the check could not be done honestly (e.g. no vulnerability database);
the summary says so and it shows in the report and the commit trailers.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 - static analysers are run as tools
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from macrohard.sandbox import Sandbox

Status = Literal["passed", "failed", "error", "skipped"]
TRAILER_CHARS = 160
#: host variables a tool may see (no API keys): locale, paths, proxies and certificates
TOOL_ENV = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
)


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
    #: False for an advisory gate: reported, but its failure does not block the release
    required: bool = True

    @property
    def passed(self) -> bool:
        return self.status in ("passed", "skipped")

    @property
    def blocks(self) -> bool:
        """A required gate that failed or could not run."""
        return self.required and not self.passed

    def trailer(self) -> str:
        return f"Gate-{self.gate}: {trailer_value(self.status, self.summary, self.required)}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [asdict(f) for f in self.findings[:50]]
        return data


def trailer_value(status: str, summary: str, required: bool = True) -> str:
    """`status (summary)` on one line, short enough for a commit trailer."""
    text = " ".join(summary.split())
    if len(text) > TRAILER_CHARS:
        text = text[: TRAILER_CHARS - 3] + "..."
    return f"{status} ({text})" + ("" if required else " advisory")


def gate_trailers(results: Iterable[GateResult | Mapping[str, Any]]) -> dict[str, str]:
    """`Gate-<name>` trailers from results or their `to_dict()` form (as stored in the journal)."""
    out: dict[str, str] = {}
    for r in results:
        data = r.to_dict() if isinstance(r, GateResult) else r
        value = trailer_value(
            str(data["status"]), str(data["summary"]), bool(data.get("required", True))
        )
        out[f"Gate-{data['gate']}"] = value
    return out


@runtime_checkable
class Gate(Protocol):
    name: str

    def check(self, project: Path, sandbox: Sandbox) -> GateResult: ...


class Advisory:
    """Wraps a gate whose result is reported but never blocks (policy: not in `required`)."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.name = gate.name

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        return replace(self.gate.check(project, sandbox), required=False)


def run_gates(gates: Iterable[Gate], project: Path, sandbox: Sandbox) -> list[GateResult]:
    """Every gate's result; a gate that raises (a bug, a sandbox that cannot start) is an error
    result naming the exception, so one broken gate never hides the others."""
    results = []
    for gate in gates:
        try:
            results.append(gate.check(project, sandbox))
        except Exception as exc:  # reported as the gate's result
            results.append(error(gate.name, f"the gate crashed: {type(exc).__name__}: {exc}"))
    return results


def tool(name: str, command: Sequence[str] | None = None) -> list[str] | None:
    """How to run a tool: `command` if given and its program exists; else the venv's script, else
    one on PATH; None when missing."""
    if command is not None:
        program = command[0] if command else ""
        found = program if Path(program).is_file() else shutil.which(program)
        return [found, *command[1:]] if program and found else None
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    found = shutil.which(name)
    return [found] if found else None


def missing(gate: str, name: str, command: Sequence[str] | None, package: str) -> GateResult:
    where = f" ({command[0]!r} not found)" if command else ""
    return error(gate, f"{name} is not installed{where}: pip install {package}")


def run_tool(
    argv: list[str], cwd: Path, timeout: float = 120.0, also: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run a host tool that never executes the project's code (a static analyser; pip installing
    wheels), with only the host variables in TOOL_ENV and `also` (names; a name ending in "_" is
    a prefix): never the model's API keys."""
    prefixes = tuple(a for a in also if a.endswith("_"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k in TOOL_ENV or k in also or (prefixes and k.startswith(prefixes))
    }
    return subprocess.run(  # nosec B603 - argv list
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )


def invoke(
    gate: str, argv: list[str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str] | GateResult:
    """run_tool, with a timeout or a failure to start turned into an error result."""
    name = Path(argv[0]).name
    try:
        return run_tool(argv, cwd, timeout)
    except subprocess.TimeoutExpired:
        return error(gate, f"{name} timed out after {timeout:.0f} s")
    except OSError as exc:
        return error(gate, f"{name} could not start: {exc}")


def tail(proc: subprocess.CompletedProcess[str], chars: int = 300) -> str:
    """The end of a tool's output, for an error message."""
    text = (proc.stderr.strip() or proc.stdout.strip())[-chars:]
    return " ".join(text.split()) or "no output"


def error(gate: str, reason: str, seconds: float = 0.0) -> GateResult:
    return GateResult(gate, "error", reason, (Finding(reason),), seconds)
