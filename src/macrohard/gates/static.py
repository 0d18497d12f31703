"""Gates that read the project without running it: ruff, bandit, mypy and the secret scanner."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

from macrohard.gates.base import Finding, GateResult, Status, error, invoke, missing, tail, tool
from macrohard.gates.files import project_files
from macrohard.sandbox import Sandbox
from macrohard.workspace.secrets import find_secrets

SEVERITIES = ("low", "medium", "high")
# ruff's classic defaults (syntax, undefined and unused names, bad comparisons): correctness, not
# taste. Explicit and --isolated, because newer ruff releases enable far more by default and a
# generated project's own config must not relax the gate. A policy may choose others.
RUFF_RULES = ("E4", "E7", "E9", "F")
MAX_SCAN_BYTES = 1_000_000


class RuffGate:
    """Lint; any finding fails."""

    name = "ruff"

    def __init__(
        self,
        command: Sequence[str] | None = None,
        timeout: float = 120.0,
        select: Sequence[str] | None = RUFF_RULES,
    ) -> None:
        """`select=None`: the rules of the ruff configuration found in the checked folder."""
        self.command = command
        self.timeout = timeout
        self.select = tuple(select) if select is not None else None

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        argv = tool("ruff", self.command)
        if argv is None:
            return missing(self.name, "ruff", self.command, "ruff")
        start = time.perf_counter()
        rules = [] if self.select is None else ["--isolated", f"--select={','.join(self.select)}"]
        cmd = [*argv, "check", *rules, "--output-format=json", "--no-cache", "."]
        proc = invoke(self.name, cmd, project, self.timeout)
        if isinstance(proc, GateResult):
            return proc
        try:  # exit 0: clean, 1: findings, anything else: ruff itself failed
            items = json.loads(proc.stdout) if proc.returncode in (0, 1) else None
        except ValueError:
            items = None
        if not isinstance(items, list):
            return error(self.name, f"ruff failed (exit {proc.returncode}): {tail(proc)}")
        findings = tuple(
            Finding(
                f"{i['code']}: {i['message']}",
                i["filename"].replace(str(project) + "/", ""),
                i["location"]["row"],
            )
            for i in items
        )
        status: Status = "passed" if not findings else "failed"
        return GateResult(
            self.name, status, f"{len(findings)} finding(s)", findings, time.perf_counter() - start
        )


class BanditGate:
    """Security lint; fails on findings at or above `severity` (the rest are reported)."""

    name = "bandit"

    def __init__(
        self,
        severity: str = "high",
        command: Sequence[str] | None = None,
        timeout: float = 120.0,
    ) -> None:
        if severity not in SEVERITIES:
            raise ValueError(f"bandit severity must be one of {SEVERITIES}, not {severity!r}")
        self.severity = severity
        self.command = command
        self.timeout = timeout

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        argv = tool("bandit", self.command)
        if argv is None:
            return missing(self.name, "bandit", self.command, "bandit")
        start = time.perf_counter()
        excluded = "./tests,./.venv,./.macrohard"
        proc = invoke(
            self.name, [*argv, "-r", ".", "-f", "json", "-q", "-x", excluded], project, self.timeout
        )
        if isinstance(proc, GateResult):
            return proc
        try:
            data = json.loads(proc.stdout or "{}")
        except ValueError:
            data = None
        if not isinstance(data, dict) or "results" not in data:
            return error(self.name, f"bandit failed (exit {proc.returncode}): {tail(proc)}")
        findings = tuple(
            Finding(
                f"{r['test_id']} {r['issue_text']}",
                r["filename"].removeprefix("./"),
                r["line_number"],
                r["issue_severity"].lower(),
            )
            for r in data["results"]
        )
        floor = SEVERITIES.index(self.severity)
        bad = [f for f in findings if f.severity in SEVERITIES[floor:]]
        status: Status = "failed" if bad else "passed"
        summary = f"{len(bad)} at or above {self.severity}, {len(findings) - len(bad)} other"
        return GateResult(self.name, status, summary, findings, time.perf_counter() - start)


_MYPY_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:\d+:)? (?P<kind>error|note): (?P<m>.*)$"
)


class MypyGate:
    """Type check of the project's files with our own settings (a project's mypy config could load
    plugins, i.e. run code on the host); any error fails."""

    name = "mypy"

    def __init__(self, command: Sequence[str] | None = None, timeout: float = 300.0) -> None:
        self.command = command
        self.timeout = timeout

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        argv = tool("mypy", self.command)
        if argv is None:
            return missing(self.name, "mypy", self.command, "mypy")
        files = [rel for rel, _ in project_files(project, ".py")]
        if not files:
            return GateResult(self.name, "passed", "no Python files")
        start = time.perf_counter()
        options = ["--config-file=", "--no-incremental", "--cache-dir=/dev/null"]
        options += ["--ignore-missing-imports", "--explicit-package-bases", "--no-color-output"]
        options += ["--no-error-summary", "--show-error-codes"]
        proc = invoke(self.name, [*argv, *options, *files], project, self.timeout)
        if isinstance(proc, GateResult):
            return proc
        matches = [m for m in map(_MYPY_LINE.match, proc.stdout.splitlines()) if m]
        errors = tuple(
            Finding(m["m"], m["path"], int(m["line"])) for m in matches if m["kind"] == "error"
        )
        seconds = time.perf_counter() - start
        if proc.returncode == 0:
            return GateResult(self.name, "passed", f"{len(files)} file(s), no errors", (), seconds)
        if proc.returncode == 1 and errors:
            summary = f"{len(errors)} error(s) in {len({f.path for f in errors})} file(s)"
            return GateResult(self.name, "failed", summary, errors, seconds)
        return error(self.name, f"mypy failed (exit {proc.returncode}): {tail(proc)}", seconds)


class SecretsGate:
    """API keys, private keys and tokens in any text file of the project; any finding fails."""

    name = "secrets"

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        start = time.perf_counter()
        findings: list[Finding] = []
        scanned, skipped = 0, []
        for rel, path in project_files(project):
            try:
                if path.stat().st_size > MAX_SCAN_BYTES:
                    skipped.append(f"{rel} (over 1 MB)")
                    continue
                data = path.read_bytes()
            except OSError as exc:
                return error(self.name, f"cannot read {rel}: {exc}")
            if b"\0" in data[:8192]:
                continue  # binary
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # not text we can scan
            scanned += 1
            findings += [
                Finding(f"{s.kind}: {s.excerpt_redacted}", rel, s.line_no, "high")
                for s in find_secrets(text)
            ]
        status: Status = "failed" if findings else "passed"
        summary = f"{len(findings)} suspected secret(s) in {scanned} file(s)"
        details = {"scanned": scanned, "skipped": skipped}
        return GateResult(
            self.name, status, summary, tuple(findings), time.perf_counter() - start, details
        )
