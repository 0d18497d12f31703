"""The tests gate: pytest in the sandbox, coverage measured when the interpreter has it."""

from __future__ import annotations

from pathlib import Path

from macrohard.gates import TestsGate
from macrohard.sandbox import LocalSandbox

from .conftest import GOOD_CODE, GOOD_TESTS, Write

HALF_TESTED = (
    GOOD_CODE + "\n\ndef unused(x: int) -> int:\n    if x:\n        return 1\n    return 2\n"
)


def test_passing_tests_report_coverage(write: Write, sandbox: LocalSandbox) -> None:
    project = write({"calc.py": GOOD_CODE, "tests/test_calc.py": GOOD_TESTS})
    result = TestsGate(coverage=True).check(project, sandbox)
    assert result.status == "passed", result
    cov = result.details["coverage"]
    assert cov["measured"] and cov["percent"] == 100.0
    assert list(cov["files"]) == ["calc.py"]  # the project's code, not its tests
    assert result.summary == "1 passed, 0 failed; coverage 100%"


def test_a_project_under_a_tests_folder_is_still_measured(
    write: Write, sandbox: LocalSandbox
) -> None:
    files = {"calc.py": GOOD_CODE, "tests/test_calc.py": GOOD_TESTS}
    project = write(files, name="test_home/tests/proj")
    cov = TestsGate(coverage=True).check(project, sandbox).details["coverage"]
    assert cov["measured"] and list(cov["files"]) == ["calc.py"]


def test_failing_tests_fail(write: Write, sandbox: LocalSandbox) -> None:
    project = write(
        {"calc.py": GOOD_CODE.replace("a + b", "a - b"), "tests/test_calc.py": GOOD_TESTS}
    )
    result = TestsGate(coverage=True).check(project, sandbox)
    assert result.status == "failed"
    assert "test_add" in result.findings[0].message


def test_a_hung_test_fails_alone_under_a_per_test_limit(
    write: Write, sandbox: LocalSandbox
) -> None:
    hangs = GOOD_TESTS + "\n\ndef test_hangs() -> None:\n    import time\n\n    time.sleep(60)\n"
    project = write({"calc.py": GOOD_CODE, "tests/test_calc.py": hangs})
    result = TestsGate(timeout=40, per_test=2).check(project, sandbox)
    assert result.status == "failed" and result.seconds < 30
    assert result.details["passed"] == 1 and result.details["total"] == 2
    assert "test_hangs" in result.findings[0].message


def test_coverage_below_threshold_fails_and_zero_only_reports(
    write: Write, sandbox: LocalSandbox
) -> None:
    project = write({"calc.py": HALF_TESTED, "tests/test_calc.py": GOOD_TESTS})
    reported = TestsGate(coverage=True).check(project, sandbox)
    assert reported.status == "passed" and reported.details["coverage"]["percent"] < 90
    strict = TestsGate(coverage_min=90).check(project, sandbox)
    assert strict.status == "failed"
    assert "below 90%" in strict.findings[-1].message


def test_coverage_missing_in_the_sandbox_is_not_measured(
    write: Write, python_without_coverage: str
) -> None:
    project = write({"calc.py": GOOD_CODE, "tests/test_calc.py": GOOD_TESTS})
    sandbox = LocalSandbox(python_without_coverage)
    result = TestsGate(coverage=True).check(project, sandbox)
    assert result.status == "passed", result  # the tests still count
    assert result.details["coverage"]["measured"] is False
    assert "not measured: coverage is not installed" in result.summary
    # but a required threshold cannot be met by a measurement that never happened
    required = TestsGate(coverage_min=50).check(project, sandbox)
    assert required.status == "error" and not required.passed


def test_a_missing_interpreter_is_an_error_not_a_pass(write: Write, tmp_path: Path) -> None:
    project = write({"calc.py": GOOD_CODE, "tests/test_calc.py": GOOD_TESTS})
    result = TestsGate().check(project, LocalSandbox(str(tmp_path / "no-such-python")))
    assert result.status == "error" and "could not run" in result.summary


def test_an_interpreter_without_pytest_is_an_error(write: Write, tmp_path: Path) -> None:
    project = write({"calc.py": GOOD_CODE, "tests/test_calc.py": GOOD_TESTS})
    bare = tmp_path / "python"
    bare.write_text("#!/bin/sh\necho 'No module named pytest' >&2\nexit 1\n")
    bare.chmod(0o755)
    result = TestsGate(coverage=True).check(project, LocalSandbox(str(bare)))
    assert result.status == "error" and "did not run" in result.summary
