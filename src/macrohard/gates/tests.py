"""The tests gate: pytest inside the sandbox, and the coverage of the project's code where the
sandbox interpreter has `coverage` (reported; a threshold only when the policy sets one)."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET  # nosec B405 - see parse_junit
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from macrohard.errors import SandboxError
from macrohard.gates.base import Finding, GateResult, Status, error
from macrohard.sandbox import Limits, Sandbox

REPORT_DIR = ".macrohard/tmp"
COVERAGE_RC = f"{REPORT_DIR}/coveragerc"
COVERAGE_JSON = f"{REPORT_DIR}/coverage.json"
# our own settings (a project's config could hide code from the measurement); paths are relative
# to the work dir, which is all a sandbox is sure to share. Coverage anchors a pattern at the work
# dir unless it starts with `*`, and its `*` crosses `/`: `*/tests/*` would also match every file
# of a project that lives under some `tests` or `test_x` folder, so every pattern starts with `./`
COVERAGE_SETTINGS = f"""\
[run]
source = .
data_file = {REPORT_DIR}/.coverage
omit =
    ./tests/*
    ./*/tests/*
    ./test_*.py
    ./*/test_*.py
    ./*_test.py
    ./conftest.py
    ./*/conftest.py
    ./setup.py
    ./.macrohard/*
    ./.venv/*

[json]
output = {COVERAGE_JSON}
"""


class TestsGate:
    """pytest inside the sandbox; passes only when tests ran and none failed."""

    name = "tests"
    __test__ = False  # not a pytest class

    def __init__(
        self,
        paths: tuple[str, ...] = ("tests",),
        timeout: float = 120.0,
        *,
        coverage: bool = False,
        coverage_min: float = 0.0,
        per_test: float | None = None,
        args: tuple[str, ...] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.paths = paths
        # more pytest arguments and environment (plugins: -p NAME, with its folder on PYTHONPATH,
        # which goes before the project's own ".")
        self.args = args
        self.env = dict(env or {})
        self.timeout = timeout
        # a limit per test (pytest-timeout's, ignored with a warning where it is not
        # installed): one test that hangs then fails alone instead of timing out the run
        self.per_test = per_test
        self.coverage = coverage or coverage_min > 0
        self.coverage_min = coverage_min

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        try:
            return self._check(project, sandbox)
        except SandboxError as exc:
            return error(self.name, f"the sandbox could not run the tests: {exc}")

    def _check(self, project: Path, sandbox: Sandbox) -> GateResult:
        start = time.perf_counter()
        (project / REPORT_DIR).mkdir(parents=True, exist_ok=True)
        junit = project / REPORT_DIR / "junit.xml"
        junit.unlink(missing_ok=True)
        runner = [sandbox.python, "-m", "pytest"]
        not_measured = ""
        if self.coverage:
            not_measured = coverage_missing(project, sandbox)
            if not not_measured:
                (project / COVERAGE_RC).write_text(COVERAGE_SETTINGS)
                (project / COVERAGE_JSON).unlink(missing_ok=True)
                runner = [sandbox.python, "-m", "coverage", "run", f"--rcfile={COVERAGE_RC}"]
                runner += ["-m", "pytest"]
        argv = [
            *runner,
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={REPORT_DIR}/junit.xml",
            # tmp_path folders under the ignored report folder: a sandbox whose TMPDIR is the
            # project (the local one) would otherwise leave pytest-of-*/ in the deliverable
            f"--basetemp={REPORT_DIR}/pytest",
            *(["-o", f"timeout={self.per_test:g}"] if self.per_test else []),
            *self.args,
            *self.paths,
        ]
        paths = [p for p in (self.env.get("PYTHONPATH"), ".") if p]
        result = sandbox.run(
            argv,
            workdir=project,
            limits=Limits(timeout=self.timeout, memory_mb=2048, processes=None),
            env={**self.env, "PYTHONPATH": ":".join(paths)},
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
        try:
            tests = parse_junit(junit, seconds, result.stdout[-2000:])
        except ET.ParseError as exc:
            return GateResult(
                self.name, "error", f"unreadable pytest report: {exc}", (Finding(str(exc)),)
            )
        if not self.coverage:
            return tests
        if not not_measured:
            cov = coverage_report(project, sandbox)
        else:
            cov = {"measured": False, "reason": not_measured}
        tests = replace(tests, seconds=time.perf_counter() - start)
        return with_coverage(tests, cov, self.coverage_min)


def coverage_missing(project: Path, sandbox: Sandbox) -> str:
    """Why coverage cannot be measured with the sandbox interpreter ("" when it can)."""
    probe = sandbox.run(
        [sandbox.python, "-c", "import coverage"], workdir=project, limits=Limits(timeout=30)
    )
    if probe.ok:
        return ""
    return f"coverage is not installed for {sandbox.python} (pip install coverage)"


def coverage_report(project: Path, sandbox: Sandbox) -> dict[str, Any]:
    """Turn the run's data into JSON inside the sandbox; read the totals."""
    res = sandbox.run(
        [sandbox.python, "-m", "coverage", "json", "-q", f"--rcfile={COVERAGE_RC}"],
        workdir=project,
        limits=Limits(timeout=60, memory_mb=1024),
    )
    path = project / COVERAGE_JSON
    if not res.ok or not path.is_file() or path.is_symlink():
        said = " ".join((res.stdout + res.stderr).split())[-200:]
        return {"measured": False, "reason": f"coverage report failed: {said or 'no output'}"}
    try:
        data = json.loads(path.read_text())
        percent = float(data["totals"]["percent_covered"])
        files = {
            name: round(float(info["summary"]["percent_covered"]), 1)
            for name, info in data["files"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {"measured": False, "reason": f"unreadable coverage report: {exc}"}
    return {"measured": True, "percent": round(percent, 1), "files": files}


def with_coverage(tests: GateResult, cov: dict[str, Any], minimum: float) -> GateResult:
    """The tests result with coverage added; below a threshold > 0 it fails, and an unmeasured
    coverage with a threshold is an error (never a pass)."""
    details = {**tests.details, "coverage": {**cov, "min": minimum}}
    findings = list(tests.findings)
    status = tests.status
    if cov["measured"]:
        summary = f"{tests.summary}; coverage {cov['percent']:.0f}%"
        if minimum > 0 and cov["percent"] < minimum:
            findings.append(Finding(f"coverage {cov['percent']:.1f}% is below {minimum:g}%"))
            status = "failed" if status == "passed" else status
    else:
        summary = f"{tests.summary}; coverage not measured: {cov['reason']}"
        if minimum > 0:
            findings.append(Finding(f"coverage must be >= {minimum:g}% but was not measured"))
            status = "error" if status == "passed" else status
    return replace(tests, status=status, summary=summary, findings=tuple(findings), details=details)


def parse_junit(path: Path, seconds: float, output: str = "") -> GateResult:
    # written inside the sandbox, so untrusted: expat >= 2.4 caps entity expansion and
    # ElementTree never fetches external entities; a malformed file is a ParseError
    root = ET.parse(path).getroot()  # noqa: S314  # nosec B314
    cases = list(root.iter("testcase"))
    findings = []
    failures = []
    by_file: dict[str, dict[str, int]] = {}
    for case in cases:
        module = case.get("classname", "").split("::")[0]
        counts = by_file.setdefault(module, {"passed": 0, "total": 0})
        counts["total"] += 1
        if all(case.find(tag) is None for tag in ("failure", "error", "skipped")):
            counts["passed"] += 1
        for tag in ("failure", "error"):
            node = case.find(tag)
            if node is not None:
                classname, name = case.get("classname", ""), case.get("name", "")
                head, body = (node.get("message") or "").strip(), (node.text or "").strip()
                # pytest.fail(..., pytrace=False) puts the same text in both
                text = body if head and body.startswith(head) else f"{head}\n{body}".strip()
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
        "by_file": by_file,
        "output": output,
    }
    return GateResult("tests", status, summary, tuple(findings), seconds, details)
