"""The repository's own test command, run in the sandbox, and the comparison with its baseline.

Detection, in order: `--test-cmd` when given; pytest when the repository is configured for it or
has test files (pytest.ini, [tool.pytest.ini_options], setup.cfg's [tool:pytest], tox.ini's
[pytest], a tests/ folder, test_*.py files); `make test` when the Makefile has that target; `tox`
when there is a tox.ini. pytest runs report each test by id (JUnit XML), so a change is judged
test by test against the baseline; any other command is judged by its exit status only.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import time
import xml.etree.ElementTree as ET  # nosec B405 - the report is parsed like in gates/tests.py
from dataclasses import dataclass, field
from pathlib import Path

from macrohard.company.harness import install_walk
from macrohard.errors import SandboxError, UserError
from macrohard.sandbox import Limits, Sandbox

REPORT = ".macrohard/tmp/solve-junit.xml"
DEPS = ".macrohard/deps"  # what solve installed from the repository's requirements (deps.py)
_PYTEST = re.compile(r"^(?:python3?\s+-m\s+)?(?:py\.?test)\b(.*)$")


@dataclass(frozen=True)
class TestCommand:
    """How the repository's tests run: `pytest ARGS` (per-test results) or a shell command."""

    kind: str  # "pytest" | "shell"
    args: tuple[str, ...] = ()  # pytest's own arguments (paths, options)
    line: str = ""  # the command line, for kind "shell"
    why: str = ""  # how it was found

    __test__ = False  # not a pytest class

    def describe(self) -> str:
        return self.line if self.kind == "shell" else " ".join(("pytest", *self.args))


def parse_test_command(text: str) -> TestCommand:
    """A command the user gave: pytest forms get per-test results, anything else runs in sh."""
    text = text.strip()
    if not text:
        raise UserError("--test-cmd is empty; give a command such as 'pytest tests' or 'make test'")
    match = _PYTEST.match(text)
    if match:
        return TestCommand("pytest", tuple(shlex.split(match.group(1))), why="given")
    return TestCommand("shell", line=text, why="given")


def detect_test_command(root: Path, files: list[str]) -> TestCommand | None:
    """The repository's test command, or None when it has no tests we can find."""

    def text(name: str) -> str:
        path = root / name
        return path.read_text(errors="replace") if path.is_file() else ""

    if (root / "pytest.ini").is_file():
        return TestCommand("pytest", why="pytest.ini")
    if "[tool.pytest.ini_options]" in text("pyproject.toml"):
        return TestCommand("pytest", why="pyproject.toml [tool.pytest.ini_options]")
    if "[tool:pytest]" in text("setup.cfg"):
        return TestCommand("pytest", why="setup.cfg [tool:pytest]")
    if "[pytest]" in text("tox.ini"):
        return TestCommand("pytest", why="tox.ini [pytest]")
    tests = [f for f in files if f.endswith(".py") and _is_test_file(f)]
    odd = [f for f in tests if not _pytest_collects(f)]
    if odd and len(tests) <= 30:  # e.g. pkg/tests.py, which pytest only runs when named
        return TestCommand("pytest", tuple(tests), why=f"test files {', '.join(tests[:3])}")
    if tests:
        return TestCommand("pytest", why=f"{len(tests)} test file(s), e.g. {tests[0]}")
    if re.search(r"^test\s*:", text("Makefile"), re.M):
        return TestCommand("shell", line="make test", why="Makefile target `test`")
    if text("tox.ini"):
        return TestCommand("shell", line="tox", why="tox.ini")
    return None


def _is_test_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name in ("test.py", "tests.py") or name.endswith("_test.py")


def _pytest_collects(path: str) -> bool:
    """Whether pytest's default patterns (test_*.py, *_test.py) pick the file up unnamed."""
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py")


@dataclass
class TestRun:
    """What one run of the tests gave: each test's outcome (pytest) and the exit status."""

    __test__ = False

    ok: bool
    outcomes: dict[str, str] = field(default_factory=dict)  # test id -> passed|failed|skipped
    failures: dict[str, str] = field(default_factory=dict)  # test id -> message (tail)
    returncode: int = 0
    output: str = ""
    seconds: float = 0.0
    error: str = ""  # the tests could not run at all

    @property
    def passed(self) -> set[str]:
        return {t for t, o in self.outcomes.items() if o == "passed"}

    @property
    def failed(self) -> set[str]:
        return {t for t, o in self.outcomes.items() if o == "failed"}

    def summary(self) -> str:
        if self.error:
            return self.error
        if not self.outcomes:
            return f"exit {self.returncode}" + (" (passed)" if self.ok else " (failed)")
        skipped = sum(1 for o in self.outcomes.values() if o == "skipped")
        text = f"{len(self.passed)} passed, {len(self.failed)} failed"
        return text + (f", {skipped} skipped" if skipped else "")

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "summary": self.summary(),
            "passed": len(self.passed),
            "failed": sorted(self.failed)[:50],
            "seconds": round(self.seconds, 2),
        }

    @property
    def skipped(self) -> set[str]:
        return {t for t, o in self.outcomes.items() if o == "skipped"}


def run_tests(
    root: Path,
    command: TestCommand,
    sandbox: Sandbox,
    extra: tuple[str, ...] = (),
    timeout: float = 300.0,
    walk: tuple[str, ...] = (),
) -> TestRun:
    """The tests (plus `extra` test files, for pytest) in the sandbox, in `root`. A failing test
    of a file in `walk` reports, after its traceback, what the project's code did line by line
    (harness.STEPPER), for pytest commands."""
    start = time.perf_counter()
    report = root / REPORT
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    if command.kind == "pytest":
        args = list(command.args)
        if any(not a.startswith("-") for a in args):  # explicit paths: add ours (a bare
            args += [e for e in extra if e not in args]  # pytest collects them where they are)
        argv = [sandbox.python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        argv += [f"--junitxml={REPORT}", *args]
    else:
        argv = ["sh", "-c", command.line]
    env = {"PYTHONPATH": python_path(root), "PYTHONDONTWRITEBYTECODE": "1"}
    if walk and command.kind == "pytest":
        plugin, more = install_walk(root, walk)
        argv[4:4] = plugin
        env.update(more, PYTHONPATH=f"{more['PYTHONPATH']}:{env['PYTHONPATH']}")
    if command.kind != "pytest":  # a pytest that `make test` or a script starts reports too
        env["PYTEST_ADDOPTS"] = f"--junitxml={report} -p no:cacheprovider"
    try:
        result = sandbox.run(
            argv,
            workdir=root,
            limits=Limits(timeout=timeout, memory_mb=2048, processes=None),
            env=env,
        )
    except SandboxError as exc:
        return TestRun(False, error=f"the sandbox could not run the tests: {exc}")
    seconds = time.perf_counter() - start
    output = (result.stdout + result.stderr)[-4000:]
    if result.timed_out:
        error = f"the tests timed out after {timeout:.0f} s"
        return TestRun(
            False, returncode=result.returncode, output=output, seconds=seconds, error=error
        )
    run = TestRun(result.ok, returncode=result.returncode, output=output, seconds=seconds)
    if command.kind == "pytest":
        if not report.is_file() or report.is_symlink():
            run.ok = False
            run.error = f"pytest did not run (exit {result.returncode}): {output[-300:].strip()}"
            return run
        try:
            run.outcomes, run.failures = junit_outcomes(report)
        except ET.ParseError as exc:
            run.ok, run.error = False, f"unreadable pytest report: {exc}"
            return run
        # exit 5: no tests collected; that is not a failure of the code
        run.ok = result.returncode in (0, 5) and not run.failed
    elif report.is_file() and not report.is_symlink():
        # the command's exit status stays the verdict; the per-test outcomes (of the last
        # pytest it ran) let regressions be told test by test
        with contextlib.suppress(ET.ParseError):  # unreadable: the exit status still says
            run.outcomes, run.failures = junit_outcomes(report)
    return run


def python_path(root: Path) -> str:
    """The repository root, its src/ folder for a src layout, and the dependencies solve
    installed for it (solve/deps.py)."""
    paths = [".", "src"] if (root / "src").is_dir() else ["."]
    return ":".join(paths + ([DEPS] if (root / DEPS).is_dir() else []))


def junit_outcomes(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """{test id: outcome} and {test id: failure message} from a pytest JUnit report."""
    root = ET.parse(path).getroot()  # noqa: S314  # nosec B314 - see gates/tests.parse_junit
    outcomes: dict[str, str] = {}
    failures: dict[str, str] = {}
    for case in root.iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome = "passed"
        for tag in ("failure", "error"):
            node = case.find(tag)
            if node is not None:
                outcome = "failed"
                message, body = (node.get("message") or "").strip(), (node.text or "").strip()
                # pytest.fail(..., pytrace=False) puts the same text in both: say it once
                text = body if message in body else f"{message}\n{body}".strip()
                failures[test_id] = text[-2500:]
                break
        else:
            if case.find("skipped") is not None:
                outcome = "skipped"
        if outcomes.get(test_id) != "failed":  # a test erroring in teardown counts as failed
            outcomes[test_id] = outcome
    return outcomes, failures


def belongs(test_id: str, path: str) -> bool:
    """Whether a JUnit test id (`classname::name`) is a test of the file at `path` (or its
    collection error, which pytest reports with an empty classname)."""
    module = path[: -len(".py")].replace("/", ".")
    classname, _, name = test_id.partition("::")
    return classname == module or classname.startswith(module + ".") or name == module


def regressions(baseline: TestRun, after: TestRun) -> list[str]:
    """Tests that passed before the change and do not pass after it (missing ones included);
    for a command without per-test results, the whole command passing before and not after."""
    if baseline.outcomes:
        return sorted(t for t in baseline.passed if after.outcomes.get(t) != "passed")
    if baseline.ok and not after.ok:
        return ["(the test command)"]
    return []
