"""The test command is found, run in the sandbox and compared test by test with the baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from macrohard.errors import UserError
from macrohard.gates.failures import crashed, refused
from macrohard.sandbox import default_sandbox
from macrohard.solve.testrun import (
    TestCommand,
    detect_test_command,
    parse_test_command,
    regressions,
    run_tests,
)


def write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return sorted(files)


def test_test_command_detection(tmp_path: Path) -> None:
    assert detect_test_command(tmp_path, []) is None
    (tmp_path / "Makefile").write_text("lint:\n\ttrue\ntest:\n\tpython3 -m unittest\n")
    assert detect_test_command(tmp_path, ["Makefile"]) == TestCommand(
        "shell", line="make test", why="Makefile target `test`"
    )
    found = detect_test_command(tmp_path, ["tests/test_x.py"])
    assert found is not None and found.kind == "pytest" and found.args == ()
    # a unittest-style pkg/tests.py is run by naming it (pytest would not collect it)
    found = detect_test_command(tmp_path, ["pkg/__init__.py", "pkg/tests.py", "test_y.py"])
    assert found is not None and found.args == ("pkg/tests.py", "test_y.py")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-q'\n")
    assert detect_test_command(tmp_path, []).why.startswith("pyproject")  # type: ignore[union-attr]
    assert parse_test_command("python -m pytest tests -x").args == ("tests", "-x")
    assert parse_test_command("make check").kind == "shell"
    with pytest.raises(UserError, match="empty"):
        parse_test_command("  ")


def test_runs_are_compared_test_by_test_against_the_baseline(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m.py": "def f():\n    return 1\n",
            "tests/test_m.py": (
                "from m import f\n\ndef test_one():\n    assert f() == 1\n\n"
                "def test_known_bad():\n    assert f() == 2\n"
            ),
        },
    )
    sandbox = default_sandbox()
    command = detect_test_command(tmp_path, ["tests/test_m.py"])
    assert command is not None
    before = run_tests(tmp_path, command, sandbox)
    assert before.passed == {"tests.test_m::test_one"}
    assert before.failed == {"tests.test_m::test_known_bad"}
    assert "assert 1 == 2" in before.failures["tests.test_m::test_known_bad"]
    (tmp_path / "m.py").write_text("def f():\n    return 2\n")
    after = run_tests(tmp_path, command, sandbox)
    # the test that was already failing is no regression; the one that passed is
    assert regressions(before, after) == ["tests.test_m::test_one"]
    shell = run_tests(tmp_path, TestCommand("shell", line="exit 3"), sandbox)
    assert not shell.ok and shell.returncode == 3
    assert regressions(run_tests(tmp_path, TestCommand("shell", line="true"), sandbox), shell)


def test_a_shell_test_command_that_runs_pytest_is_compared_test_by_test(tmp_path: Path) -> None:
    """`make test` (or any script) that runs pytest: its exit status is the verdict, and the
    per-test outcomes still come back, so a regression is named, not just "exit 1"."""
    write(
        tmp_path,
        {
            "m.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n",
            "tests/test_m.py": (
                "from m import f, g\n\ndef test_f():\n    assert f() == 1\n\n"
                "def test_g():\n    assert g() == 2\n"
            ),
            "Makefile": "test:\n\tpython3 -m pytest -q tests\n",
        },
    )
    sandbox = default_sandbox()
    command = TestCommand("shell", line="make test")
    before = run_tests(tmp_path, command, sandbox)
    assert before.ok and before.passed == {"tests.test_m::test_f", "tests.test_m::test_g"}
    (tmp_path / "m.py").write_text("def f():\n    return 1\n\n\ndef g():\n    return 3\n")
    after = run_tests(tmp_path, command, sandbox)
    assert not after.ok and after.returncode != 0
    assert regressions(before, after) == ["tests.test_m::test_g"]


def test_a_failure_raised_by_the_code_is_told_from_a_failed_check() -> None:
    raised = (
        ">       return _compile(pattern, flags).sub(repl, string, count)\n"
        "E       TypeError: cannot use a string pattern on a bytes-like object\n\n"
        "/usr/lib/python3.11/re/__init__.py:185: TypeError"
    )
    in_code = "E       ZeroDivisionError: division by zero\n\npkg/calc.py:3: ZeroDivisionError"
    checked = "E       AssertionError: 'bc' != 'c'\n\ntests/test_x.py:7: AssertionError"
    no_raise = "E       Failed: DID NOT RAISE <class 'ValueError'>\n\ntests/test_x.py:9: Failed"
    own_bug = "E       NameError: name 'mul' is not defined\n\ntest_calc.py:4: NameError"
    assert crashed(raised) and crashed(in_code)
    assert not crashed(checked) and not crashed(no_raise) and not crashed(own_bug)
    assert not crashed("failed")


def test_a_raise_the_request_asks_for_is_a_refusal_not_a_crash() -> None:
    raised = (
        "        if lower > upper:\n"
        '>           raise ValueError("upper bound below lower bound")\n'
        "E           ValueError: upper bound below lower bound\n\n"
        "boltons/mathutils.py:244: ValueError"
    )
    request = "Add clamp(x, lower, upper); it raises ValueError when upper < lower."
    assert refused(raised, request)
    # the request says nothing of ValueError: a crash like any other
    assert not refused(raised, "Add clamp(x, lower, upper).")
    # the error came from somewhere else than a raise statement of the code
    slipped = (
        ">       return int(text)\n"
        "E       ValueError: invalid literal for int() with base 10: 'x'\n\n"
        "pkg/calc.py:3: ValueError"
    )
    assert not refused(slipped, request)
    checked = "E       AssertionError: 1 != 2\n\ntests/test_x.py:7: AssertionError"
    assert not refused(checked, "raises AssertionError")
