"""A client example that answers wrong shows what the project's code did, line by line, with the
values each line produced: run for real in the sandbox, on small projects made here."""

from __future__ import annotations

from pathlib import Path

from macrohard.company.examples import CLIENT_TESTS, extract, render, shorten
from macrohard.company.harness import WALK_HEAD
from macrohard.company.hints import hints
from macrohard.company.splice import fault_functions
from macrohard.gates import TestsGate
from macrohard.sandbox import default_sandbox
from macrohard.solve.testrun import TestCommand, run_tests

CEIL = '''import bisect


def ceil(x, options):
    """The smallest option greater than or equal to x."""
    options = sorted(options)
    i = bisect.bisect_right(options, x)
    if i == len(options):
        raise ValueError(x)
    return options[i]


def total(numbers):
    sum_ = 0
    for n in numbers:
        sum_ += n * 2
    return sum_


def first_word(text):
    return text.split()[5]


class Box:
    def __init__(self, size):
        self.size = size
        self.items = []

    def fits(self, other):
        small = self.size < other.size
        return small


class Tin(Box):
    @property
    def volume(self):
        return self.size**3

    def holds(self, other):
        return self.volume > other.volume
'''

REQUEST = """Fix `ceil` in `nums.py`:

```python
>>> ceil(4, [1.5, 2.5, 4, 6, 10])
4
>>> total([1, 2, 3, 4, 5, 6, 7, 8])
36
>>> first_word("hello world")
'hello'
>>> ceil(3, [1, 5])
5
>>> Box(1).fits(Box(2))
False
>>> Tin(3).holds(Tin(2))
False
```
"""


VEC = """class Vec:
    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return self.x == other.x

    def double(self):
        return Vec(self.x + self.x + 1)

    def __repr__(self):
        return f"Vec({self.x})"
"""


def failures(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "nums.py").write_text(CEIL)
    (tmp_path / "tests").mkdir()
    tests = render(extract(REQUEST, {"nums.py"}))
    assert tests is not None
    (tmp_path / CLIENT_TESTS).write_text(tests)
    result = TestsGate().check(tmp_path, default_sandbox())
    return {f["test"]: f["message"] for f in result.details["failures"]}


def test_a_wrong_answer_shows_each_line_and_the_values_it_made(tmp_path: Path) -> None:
    found = failures(tmp_path)
    assert sorted(found) == [f"test_client_example[{i}]" for i in (0, 1, 2, 4, 5)]
    message = found["test_client_example[0]"]
    head, _, walk = message.partition(WALK_HEAD)
    assert "Expected:\n    4\nGot:\n    6" in head and "nums.py:ceil" in head
    assert "ceil(x=4, options=[1.5, 2.5, 4, 6, 10]):" in walk
    assert "line 7: i = bisect.bisect_right(options, x)   # i = 3" in walk
    # an assignment that changed nothing says so (an unmatched pattern, an input already sorted)
    assert (
        "line 6: options = sorted(options)   # options = [1.5, 2.5, 4, 6, 10] (unchanged)" in walk
    )
    assert "line 10: return options[i]" in walk
    assert walk.rstrip().endswith("-> ceil returned 6")
    assert "line 9:" not in walk  # the raise did not run
    # the walk does not confuse the repair's reading of which functions ran
    assert fault_functions(CEIL, "nums.py", [message]) == ["ceil"]
    # a call easy to misread that the walk ran gets its one-line reading
    assert [h for h in hints([message]) if "bisect_left" in h]


def test_a_loop_is_shown_a_few_times_not_every_time(tmp_path: Path) -> None:
    walk = failures(tmp_path)["test_client_example[1]"].partition(WALK_HEAD)[2]
    loop = [line for line in walk.splitlines() if "line 16: sum_ += n * 2" in line]
    assert len(loop) == 3
    assert "# sum_ = 2" in loop[0] and "# sum_ = 6" in loop[1]
    assert "more steps of loops not shown" in walk
    assert "-> total returned 72" in walk


def test_an_exception_keeps_its_traceback_and_gets_no_walk(tmp_path: Path) -> None:
    message = failures(tmp_path)["test_client_example[2]"]
    assert "IndexError: list index out of range" in message
    assert WALK_HEAD not in message


def test_prompts_keep_one_walk_and_put_it_first() -> None:
    plain = "test_a: assert 1 == 2"
    walked = f"test_b: Failed example\nfunctions run: m.py:f\n{WALK_HEAD}\n  f():\n    line 3: x"
    other = f"test_c: Failed example\n{WALK_HEAD}\n  g():\n    line 9: y"
    out = shorten([plain, walked, other], chars=600)
    assert out[0] == walked and out[1] == plain
    assert out[2] == "test_c: Failed example"  # its walk is left out
    assert shorten([walked], chars=600, walk_chars=0) == [
        "test_b: Failed example\nfunctions run: m.py:f"
    ]
    assert len(shorten(["x" * 900], chars=600)[0]) == 600


def test_the_call_that_answered_is_walked_and_those_before_it_are_one_line_each(
    tmp_path: Path,
) -> None:
    walk = failures(tmp_path)["test_client_example[4]"].partition(WALK_HEAD)[2]
    lines = walk.strip().splitlines()
    assert lines[0].strip() == "Box.__init__(size=1) -> returned None"
    assert lines[1].strip() == "Box.__init__(size=2) -> returned None"
    assert lines[2].strip().startswith("Box.fits(self=<nums.Box object")
    assert "line 30: small = self.size < other.size   # small = True" in walk
    assert lines[-1].strip() == "-> Box.fits returned True"
    assert "self.items = []" not in walk.split("Box.fits(")[0]  # the constructors: one line each


def test_a_one_line_call_inside_is_one_line_of_the_walk(tmp_path: Path) -> None:
    walk = failures(tmp_path)["test_client_example[5]"].partition(WALK_HEAD)[2]
    # the line comes first, then the calls it made; an inner call's line says whose it is
    lines = [line.strip() for line in walk.strip().splitlines()]
    at = lines.index("line 40: return self.volume > other.volume")
    assert lines[at + 1 : at + 3] == ["Tin.volume() -> returned 27", "Tin.volume() -> returned 8"]
    assert "return self.size**3" not in walk
    assert walk.rstrip().endswith("-> Tin.holds returned True")


def test_a_long_run_is_walked_within_its_limit_and_still_says_how_it_ended(
    tmp_path: Path,
) -> None:
    (tmp_path / "slow.py").write_text(
        "def count(n):\n    total = 0\n    for i in range(n):\n        total += i % 3\n"
        "    return total + 1\n"
    )
    (tmp_path / "tests").mkdir()
    request = "```python\n>>> count(20000)\n19999\n```\n"
    tests = render(extract(request, {"slow.py"}))
    assert tests is not None
    (tmp_path / CLIENT_TESTS).write_text(tests)
    result = TestsGate().check(tmp_path, default_sandbox())
    (failure,) = result.details["failures"]
    walk = failure["message"].partition(WALK_HEAD)[2]
    assert "-> count returned 20000" in walk and "more steps of loops not shown" in walk
    assert result.seconds < 30  # 40,000 line events, but reprs only for the first 300 steps


def test_a_failing_pytest_test_of_a_walked_file_shows_the_walk(tmp_path: Path) -> None:
    (tmp_path / "nums.py").write_text(CEIL)
    (tmp_path / ".macrohard" / "deps").mkdir(parents=True)  # installed code: never walked
    (tmp_path / ".macrohard" / "deps" / "helper.py").write_text("def twice(x):\n    return 2 * x\n")
    (tmp_path / "tests").mkdir()
    test = (
        "import sys\nsys.path.append('.macrohard/deps')\nfrom helper import twice\n"
        "from nums import ceil\n\n\ndef test_new():\n    assert ceil(twice(2), [1.5, 4, 6]) == 4\n"
    )
    (tmp_path / "tests" / "test_new.py").write_text(test)
    (tmp_path / "tests" / "test_old.py").write_text(test.replace("test_new", "test_old"))
    (tmp_path / "vec.py").write_text(VEC)
    (tmp_path / "tests" / "test_vec.py").write_text(
        "from vec import Vec\n\n\ndef test_double():\n    assert Vec(1).double() == Vec(2)\n"
    )
    sandbox, command = default_sandbox(), TestCommand("pytest", ("tests",))
    run = run_tests(tmp_path, command, sandbox, walk=("tests/test_new.py", "tests/test_vec.py"))
    assert run.failed == {
        "tests.test_new::test_new",
        "tests.test_old::test_old",
        "tests.test_vec::test_double",
    }
    # the call that answered is walked, not the == after it, nor pytest's reprs of the values
    vec = run.failures["tests.test_vec::test_double"].partition(WALK_HEAD)[2]
    assert [line[2:] for line in vec.strip("\n").splitlines()] == [
        "Vec.__init__(x=1) -> returned None",
        "Vec.double(self=Vec(1)):",
        "  line 9: return Vec(self.x + self.x + 1)",
        "    Vec.__init__(x=3) -> returned None",
        "-> Vec.double returned Vec(3)",
        "Vec.__init__(x=2) -> returned None",
        "Vec.__eq__(self=Vec(3), other=Vec(2)) -> returned False",
    ]
    head, _, walk = run.failures["tests.test_new::test_new"].partition(WALK_HEAD)
    assert "assert 6 == 4" in head  # pytest's own report first, then the walk
    assert "ceil(x=4, options=[1.5, 4, 6]):" in walk
    assert "line 7: i = bisect.bisect_right(options, x)   # i = 2" in walk
    assert walk.rstrip().endswith("-> ceil returned 6") and "twice" not in walk
    assert WALK_HEAD not in run.failures["tests.test_old::test_old"]  # not a walked file
    plain = run_tests(tmp_path, command, sandbox)
    assert not any(WALK_HEAD in m for m in plain.failures.values())
    assert plain.outcomes == run.outcomes
    # a prompt keeps pytest's report and the walk, however long the report
    (said,) = shorten(["x" * 2000 + run.failures["tests.test_new::test_new"]], chars=600)
    assert said.startswith("x" * 600 + "\n" + WALK_HEAD) and "-> ceil returned 6" in said
