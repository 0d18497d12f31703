"""The built-in gates: tests (pytest in the sandbox), ruff, bandit."""

from __future__ import annotations

import json
import subprocess  # nosec B404
import time
import xml.etree.ElementTree as ET  # nosec B405 - we parse our own pytest's junit file
from pathlib import Path

from macrohard.gates.base import Finding, GateResult, Status, error, run_tool, tool
from macrohard.sandbox import Limits, Sandbox

REPORT_DIR = ".macrohard/tmp"


class TestsGate:
    """pytest inside the sandbox; passes only when tests ran and none failed."""

    name = "tests"

    def __init__(self, paths: tuple[str, ...] = ("tests",), timeout: float = 120.0) -> None:
        self.paths = paths
        self.timeout = timeout

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        start = time.perf_counter()
        (project / REPORT_DIR).mkdir(parents=True, exist_ok=True)
        junit = project / REPORT_DIR / "junit.xml"
        junit.unlink(missing_ok=True)
        argv = [
            sandbox.python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={REPORT_DIR}/junit.xml",
            *self.paths,
        ]
        result = sandbox.run(
            argv,
            workdir=project,
            limits=Limits(timeout=self.timeout, memory_mb=2048, processes=None),
            env={"PYTHONPATH": "."},
        )
        seconds = time.perf_counter() - start
        if result.timed_out:
            return GateResult(
                self.name,
                "failed",
                f"timed out after {self.timeout:.0f} s",
                (Finding("the test run timed out"),),
                seconds,
            )
        if not junit.exists():
            tail = (result.stdout + result.stderr).strip()[-400:]
            return GateResult(
                self.name,
                "error",
                f"pytest did not run (exit {result.returncode})",
                (Finding(tail or "no output"),),
                seconds,
            )
        return parse_junit(junit, seconds, result.stdout[-2000:])


def parse_junit(path: Path, seconds: float, output: str = "") -> GateResult:
    root = ET.parse(path).getroot()  # noqa: S314 - our own file
    cases = list(root.iter("testcase"))
    findings = []
    failures = []
    for case in cases:
        for tag in ("failure", "error"):
            node = case.find(tag)
            if node is not None:
                classname, name = case.get("classname", ""), case.get("name", "")
                text = ((node.get("message") or "") + "\n" + (node.text or "")).strip()
                findings.append(Finding(f"{classname}::{name}: {text[:1500]}"))
                failures.append({"classname": classname, "test": name, "message": text[-3000:]})
                break
    total = len(cases)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    failed = len(findings)
    passed = total - failed - skipped
    summary = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    status: Status = "passed" if total and not failed and passed else "failed"
    if not total:
        summary = "no tests were collected"
    details = {
        "passed": passed,
        "failed": failed,
        "total": total,
        "failures": failures,
        "output": output,
    }
    return GateResult("tests", status, summary, tuple(findings), seconds, details)


class RuffGate:
    name = "ruff"

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        argv = tool("ruff")
        if argv is None:
            return error(self.name, "ruff is not installed: pip install ruff")
        start = time.perf_counter()
        try:
            proc = run_tool([*argv, "check", "--output-format=json", "--no-cache", "."], project)
            items = json.loads(proc.stdout or "[]")
        except (subprocess.TimeoutExpired, ValueError, OSError) as exc:
            return error(self.name, f"ruff failed to run: {exc}")
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
    """Security lint; fails on high-severity findings only (the rest are reported)."""

    name = "bandit"

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        argv = tool("bandit")
        if argv is None:
            return error(self.name, "bandit is not installed: pip install bandit")
        start = time.perf_counter()
        try:
            proc = run_tool(
                [*argv, "-r", ".", "-f", "json", "-q", "-x", "./tests,./.venv"], project
            )
            data = json.loads(proc.stdout or "{}")
        except (subprocess.TimeoutExpired, ValueError, OSError) as exc:
            return error(self.name, f"bandit failed to run: {exc}")
        if "results" not in data:
            return error(self.name, f"bandit gave no results: {proc.stderr.strip()[-300:]}")
        findings = tuple(
            Finding(
                f"{r['test_id']} {r['issue_text']}",
                r["filename"].lstrip("./"),
                r["line_number"],
                r["issue_severity"].lower(),
            )
            for r in data["results"]
        )
        high = [f for f in findings if f.severity == "high"]
        status: Status = "failed" if high else "passed"
        summary = f"{len(high)} high, {len(findings) - len(high)} other"
        return GateResult(self.name, status, summary, findings, time.perf_counter() - start)


DEFAULT_GATES = (TestsGate(), RuffGate(), BanditGate())
