"""The client's examples become tests: read from real requests, run against real code in the
sandbox, passing on the reference solutions and failing, with a useful message, on broken ones."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from macrohard.company.examples import CLIENT_TESTS, Doctest, closeness, extract, render
from macrohard.company.roles.qa import adopt_client_files, conftest
from macrohard.company.splice import fault_functions
from macrohard.gates import RuffGate, TestsGate
from macrohard.sandbox import LocalSandbox, default_sandbox
from macrohard.solve.testrun import TestCommand, run_tests

SUITE = Path(__file__).resolve().parents[2] / "examples" / "requests"


def project(tmp_path: Path, sample: str) -> Path:
    root = tmp_path / sample
    shutil.copytree(SUITE / sample / "reference", root)
    request = (SUITE / sample / "request.md").read_text()
    scripts = {p.name for p in root.glob("*.py")}
    found = extract(request, scripts)
    tests = render(found)
    assert tests is not None
    (root / "tests").mkdir()
    (root / CLIENT_TESTS).write_text(tests)
    (root / "tests/conftest.py").write_text(conftest(found.files))
    return root


@pytest.mark.parametrize(
    ("sample", "doctests", "commands", "files"),
    [
        ("01-money", 7, 0, []),  # 3 in a session, 4 inline (`str(Money(-3)) == "-3.00 USD"`)
        ("02-csvstats", 0, 2, ["people.csv"]),
        ("03-todo", 0, 6, []),
        ("05-tictactoe", 6, 0, []),
        ("07-logsummary", 0, 2, ["app.log"]),
        ("08-calc", 5, 0, []),
    ],
)
def test_examples_are_read_from_requests(
    sample: str, doctests: int, commands: int, files: list[str]
) -> None:
    found = extract((SUITE / sample / "request.md").read_text())
    assert len(found.doctests) == doctests
    assert sum(len(t.commands) for t in found.transcripts) == commands
    assert sorted(found.files) == files


def test_a_request_without_examples_gives_no_test_file() -> None:
    assert render(extract("Write `add(a, b)` in math.py that returns the sum.")) is None


def test_inline_checks_are_taken_when_every_name_they_use_is_known() -> None:
    request = (
        "Write `slugify(text)` in slug.py, so `slugify('A B') == 'a-b'`, and a `class Box(n)`\n"
        "where `Box(2).total == Decimal('2')`. Ignore `len(x) == 3`, `f(1) == 2` and `1 == 1`."
    )
    found = extract(request, {"slug.py"}).doctests
    assert [(d.source, d.want) for d in found] == [
        ("slugify('A B')\n", "'a-b'\n"),  # a string: checked as output, to show what came
        ("Box(2).total == Decimal('2')\n", "True\n"),
    ]
    assert found[1].setup == ("from decimal import Decimal",)


def test_shell_commands_that_do_not_run_the_project_are_left_out() -> None:
    request = "```\n$ pip install foo\nok\n```\n\n```\n$ python other.py\nhi\n```\n"
    assert extract(request, {"tool.py"}).transcripts == []


@pytest.mark.parametrize(
    "sample", ["01-money", "03-todo", "05-tictactoe", "06-lrucache", "07-logsummary", "08-calc"]
)
def test_reference_solutions_pass_their_clients_examples(tmp_path: Path, sample: str) -> None:
    result = TestsGate().check(project(tmp_path, sample), default_sandbox())
    assert result.passed, result.findings
    assert result.details["by_file"]["tests.test_client_examples"]["passed"] >= 2


QA_TEST = """import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_report():
    args = [sys.executable, str(ROOT / "csvstats.py"), "input.csv", "--output", "out.json"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert Path("out.json").exists()
"""


def test_a_qa_test_reading_an_unnamed_input_gets_the_clients_file(tmp_path: Path) -> None:
    root = project(tmp_path, "02-csvstats")
    request = (SUITE / "02-csvstats" / "request.md").read_text()
    adopted = adopt_client_files(QA_TEST, extract(request).files, request)
    assert '"people.csv", "--output", "out.json"' in adopted  # an option's value is left alone
    (root / "tests/test_csvstats.py").write_text(adopted)
    result = TestsGate().check(root, default_sandbox())
    assert result.passed, result.findings
    assert not (root / "out.json").exists()  # written in the test's own folder


def test_broken_code_fails_with_what_was_expected(tmp_path: Path) -> None:
    root = project(tmp_path, "03-todo")
    code = (root / "todo.py").read_text()
    (root / "todo.py").write_text(code.replace("Added ", "Created "))
    result = TestsGate().check(root, default_sandbox())
    assert not result.passed
    messages = " ".join(f["message"] for f in result.details["failures"])
    assert "expected stdout:" in messages and "Added 1: buy milk" in messages
    assert result.details["by_file"]["tests.test_client_examples"]["passed"] < 6


def test_a_failing_example_names_the_functions_it_ran(tmp_path: Path) -> None:
    """The wrong value shows on `evicted, c.keys(), c.evictions`, but it comes from put(): the
    failure lists every function of the project the session ran, for the repair to look at."""
    root = project(tmp_path, "06-lrucache")
    code = (root / "lrucache.py").read_text()
    (root / "lrucache.py").write_text(code.replace("on_evict(old_key,", "on_evict(key,"))
    result = TestsGate().check(root, default_sandbox())
    (failure,) = result.details["failures"]
    assert "lrucache.py:LRUCache.__init__, lrucache.py:LRUCache.put" in failure["message"]
    assert "<frozen" not in failure["message"]
    broken = (root / "lrucache.py").read_text()
    assert "LRUCache.put" in fault_functions(broken, "lrucache.py", [failure["message"]])
    near = closeness(failure["message"])  # one character off
    (root / "lrucache.py").write_text(code.replace("self.evictions += 1", "pass"))
    (other,) = TestsGate().check(root, default_sandbox()).details["failures"]
    assert near > 0.9 and closeness(other["message"]) > 0.9
    (root / "lrucache.py").write_text(code.replace("self.evictions = 0", ""))
    (raised,) = TestsGate().check(root, default_sandbox()).details["failures"]
    assert closeness(raised["message"]) == 0.0  # an AttributeError is no output at all


def test_an_example_that_raises_shows_the_projects_frames_and_their_values(tmp_path: Path) -> None:
    """A debugger's view, not the harness's: where in the project it raised, the line each frame
    ran, and the values the innermost frame held (a Decimal reaching a check for int/str)."""
    root = project(tmp_path, "01-money")
    code = (root / "money.py").read_text()
    head = '    def __init__(self, amount: str | int | Decimal, currency: str = "USD") -> None:\n'
    broken = code.replace(
        head,
        (
            head + "        if not isinstance(amount, (int, str)):\n"
            '            raise TypeError("amount must be int or str")\n'
        ),
        1,
    )
    assert broken != code
    (root / "money.py").write_text(broken)
    result = TestsGate().check(root, default_sandbox())
    first = next(f for f in result.details["failures"] if f["test"] == "test_client_example[0]")
    message = first["message"]
    assert message.startswith('Failed example:\n    Money("0.10") + Money("0.20")')
    assert "TypeError: amount must be int or str" in message
    assert 'File "money.py", line ' in message and "in Money.__add__: return Money(" in message
    assert "where amount = Decimal('0.30')" in message
    assert "test_client_examples" not in message and "doctest.py" not in message
    assert message.count("Failed example:") == 1  # junit's message and text are not doubled
    assert fault_functions(broken, "money.py", [message]) == ["Money.__init__"]


def test_a_failing_cli_run_names_the_functions_it_ran(tmp_path: Path) -> None:
    root = project(tmp_path, "03-todo")
    code = (root / "todo.py").read_text()
    (root / "todo.py").write_text(code.replace("Added ", "Created "))
    failures = TestsGate().check(root, default_sandbox()).details["failures"]
    message = failures[0]["message"]
    assert "functions run: todo.py:main" in message
    assert 0.5 < closeness(message) < 1.0  # 'Created 1: buy milk' for 'Added 1: buy milk'
    # the tracer stays out of the project's files (the tests' own folders are ignored ones)
    tracers = [p.relative_to(root) for p in root.glob("**/sitecustomize*")]
    assert all(p.parts[:3] == (".macrohard", "tmp", "pytest") for p in tracers)


def test_a_cli_that_crashes_shows_what_its_innermost_frame_held(tmp_path: Path) -> None:
    root = project(tmp_path, "03-todo")
    code = (root / "todo.py").read_text()
    broken = code.replace('text = " ".join(args.text)', 'text = " ".join(args.text) + 1')
    assert broken != code
    (root / "todo.py").write_text(broken)
    failures = TestsGate().check(root, default_sandbox()).details["failures"]
    message = next(f["message"] for f in failures if "add buy milk" in f["message"])
    assert "TypeError: can only concatenate str" in message
    assert "  where " in message and "args = Namespace(" in message
    assert 'File "todo.py", line ' in message and "/tmp" not in message  # the file, no folder
    assert "functions run: todo.py:main" in message


def test_examples_at_a_repositorys_root_trace_its_package(tmp_path: Path) -> None:
    """`solve` may put the client's tests at the root of a repository whose code is a package:
    the harness finds the root from its own depth, and the trace names the package's file."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop/__init__.py").write_text("")
    (tmp_path / "shop/cart.py").write_text(
        "def price(n):\n    return n * 2\n\n\n"
        "def total(items):\n    return sum(map(price, items))\n"
    )
    (tmp_path / "test_cart.py").write_text("def test_nothing():\n    pass\n")
    request = "```python\n>>> total([1, 2])\n3\n```\n"
    found = extract(request)
    found.modules.append("shop.cart")
    tests = render(found, depth=0)
    assert tests is not None
    (tmp_path / "test_client_examples.py").write_text(tests)
    run = run_tests(tmp_path, TestCommand("pytest", ()), default_sandbox())
    assert len(run.failed) == 1, run.summary()
    (message,) = run.failures.values()
    assert "functions run: shop/cart.py:total, shop/cart.py:price" in message


def test_a_module_that_fails_to_import_is_named_in_the_failure(tmp_path: Path) -> None:
    root = project(tmp_path, "05-tictactoe")  # its examples never import: names are in scope
    code = (root / "tictactoe.py").read_text()
    (root / "tictactoe.py").write_text(code + "\nimport no_such_module\n")
    result = TestsGate().check(root, default_sandbox())
    messages = " ".join(f["message"] for f in result.details["failures"])
    assert "importing tictactoe failed: ModuleNotFoundError" in messages


def test_the_rendered_tests_pass_the_lint_gate(tmp_path: Path) -> None:
    for sample in ("01-money", "07-logsummary"):
        root = project(tmp_path, sample)
        (tmp_path / "lint" / sample).mkdir(parents=True)
        (tmp_path / "lint" / sample / "test_client_examples.py").write_text(
            (root / CLIENT_TESTS).read_text()
        )
        (tmp_path / "lint" / sample / "conftest.py").write_text(
            (root / "tests/conftest.py").read_text()
        )
        result = RuffGate().check(tmp_path / "lint" / sample, LocalSandbox())
        assert result.passed, result.findings


def test_a_runaway_recursion_is_shown_by_its_ends(tmp_path: Path) -> None:
    root = project(tmp_path, "05-tictactoe")
    code = (root / "tictactoe.py").read_text()
    (root / "tictactoe.py").write_text(code + "\n\ndef winner(board):\n    return winner(board)\n")
    failures = TestsGate().check(root, default_sandbox()).details["failures"]
    message = next(f["message"] for f in failures if "winner(" in f["message"])
    assert message.startswith("Failed example:") and "RecursionError" in message
    assert message.count('File "tictactoe.py"') == 6 and "more frames ..." in message


def test_an_example_may_call_through_the_package_of_the_changed_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_text("from pkg.core import double\n")
    (tmp_path / "pkg/core.py").write_text("def double(x):\n    return 2 * x\n")
    checks = [Doctest((), "pkg.double(2)", "4\n", None), Doctest((), "double(3)", "6\n", None)]
    found = replace(extract("", set()), doctests=checks, modules=["pkg.core"])
    (tmp_path / "test_client_examples.py").write_text(render(found, depth=0) or "")
    run = run_tests(tmp_path, TestCommand("pytest", ()), LocalSandbox())
    assert len(run.passed) == 2 and not run.failed, run.failures
