"""What a repair prompt shows of a failing model-written test: the failing lines, the errors and
the arguments, not the sources the prompt already holds (the test's and the code's)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from macrohard.company.artifacts import Design, FileContract, FilePlan, Spec
from macrohard.company.context import Context
from macrohard.company.harness import WALK_HEAD
from macrohard.company.roles.verify import Verifier, essence
from macrohard.company.splice import def_head
from macrohard.models import ScriptedModel
from macrohard.sandbox import LocalSandbox

PYTEST_FAILURE = """TypeError: 'decimal.Decimal' object cannot be interpreted as an integer
def test_money_allocation():
        assert [str(p) for p in Money("10.00", "EUR").allocate([1, 2])] == [
            "3.34 EUR",
>       ]

tests/test_money.py:23:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

self = <money.Money object at 0x7ff5602fba90>, ratios = [1, 2]

    def allocate(self, ratios: list[int]) -> list[Money]:
        parts = [Money(self.amount * r / sum(ratios)) for r in ratios]
        leftover = self.amount - sum(p.amount for p in parts)
>       for i in range(leftover):
E       TypeError: 'decimal.Decimal' object cannot be interpreted as an integer

money.py:104: TypeError"""


def test_a_pytest_failure_keeps_what_failed_where_and_with_what() -> None:
    assert essence(PYTEST_FAILURE).splitlines() == [
        ">       ]",
        "tests/test_money.py:23:",
        "self = <money.Money object at 0x7ff5602fba90>, ratios = [1, 2]",
        ">       for i in range(leftover):",
        "E       TypeError: 'decimal.Decimal' object cannot be interpreted as an integer",
        "money.py:104: TypeError",
    ]


def test_a_message_without_pytest_detail_is_kept_whole_up_to_the_limit() -> None:
    assert essence("assert 1 == 2") == "assert 1 == 2"
    long = essence("x" * 2000, limit=100)
    assert long.startswith("...") and len(long) == 103


CLASS = '''class Handler:
    @staticmethod
    def do_PUT(self,
               key) -> None:
        """Store it."""
        return None

    def one(self): return 1
'''


def test_a_repair_answer_starts_with_the_blamed_def_signature_and_docstring() -> None:
    put = "\n".join(CLASS.splitlines()[1:6])
    assert def_head(put) == "\n".join(CLASS.splitlines()[1:5]) + "\n"
    assert def_head("    def one(self): return 1") == ""  # no line of its own to stop at
    assert def_head("def f(x):\n    return x\n") == "def f(x):\n"


def calc_verifier() -> Verifier:
    """A verifier of a one-file project, `calc.py`, as `run` would have set it up."""
    verifier = Verifier()
    spec = Spec(summary="calc", files=[FileContract(path="calc.py")])
    verifier.spec, verifier.design = spec, Design(files=[FilePlan(path="calc.py")])
    verifier.repaired, verifier.begun = Counter(), Counter()
    return verifier


def test_a_prefilled_repair_is_spliced_into_the_file(tmp_path: Path) -> None:
    verifier = calc_verifier()
    model = ScriptedModel(["    return a + b\n```\n"], supports_prefill=True)
    ctx = Context("r-test", "add two numbers", tmp_path, model, LocalSandbox())
    current = 'def add(a, b):\n    """The sum."""\n    return a - b\n'
    code = verifier.repair_functions(ctx, "calc.py", current, ["add(1, 2) == 3"], ["add"], 1)
    assert code == 'def add(a, b):\n    """The sum."""\n    return a + b\n'
    assert model.requests[0].messages[-1]["content"].endswith('"""The sum."""\n')


def test_each_repair_of_the_same_blamed_functions_begins_at_the_next_one(tmp_path: Path) -> None:
    """The answer is begun at the first blamed def, and the model stops after it: 06-lrucache's
    repairs of `__init__`, `put`, `get` and `keys` rewrote `__init__` every time."""
    verifier = calc_verifier()
    model = ScriptedModel(["    return a\n```\n", "    return a * b\n```\n"], supports_prefill=True)
    ctx = Context("r-test", "keep and multiply", tmp_path, model, LocalSandbox())
    current = (
        'def keep(a):\n    """The same."""\n    return a\n\n\n'
        'def mul(a, b):\n    """The product."""\n    return a + b\n'
    )
    blamed = ["keep", "mul"]
    first = verifier.repair_functions(ctx, "calc.py", current, ["mul(2, 3) == 6"], blamed, 1)
    assert first is None  # `keep` again, unchanged
    second = verifier.repair_functions(ctx, "calc.py", current, ["mul(2, 3) == 6"], blamed, 2)
    assert model.requests[1].messages[-1]["content"].endswith('"""The product."""\n')
    assert second is not None and "return a * b" in second


def test_a_second_repair_hides_the_wrong_body_from_the_walk_too(tmp_path: Path) -> None:
    """The second repair of the same function shows the file with its body hollowed out; a
    walk of its lines would quote the wrong version back, so that repair gets none."""
    verifier = calc_verifier()
    model = ScriptedModel(["    return a ** b\n```\n"] * 2, supports_prefill=True)
    ctx = Context("r-test", "multiply", tmp_path, model, LocalSandbox())
    current = 'def mul(a, b):\n    """The product."""\n    return a ** b\n'
    failure = (
        "Failed example:\n    mul(2, 3)\nExpected:\n    6\nGot:\n    8\n\n"
        "functions run: calc.py:mul"
        f"\n{WALK_HEAD}\n  mul(a=2, b=3):\n    line 3: return a ** b\n  -> mul returned 8"
    )
    for rounds in (1, 2):
        verifier.repair_functions(ctx, "calc.py", current, [failure], ["mul"], rounds)
    first, second = (r.messages[-2]["content"] for r in model.requests)
    assert "line 3: return a ** b" in first
    assert "Got:\n    8" in second and WALK_HEAD not in second and "return a ** b" not in second


def test_a_failing_qa_test_shows_the_walk_of_the_code_it_called(tmp_path: Path) -> None:
    """QA's failing test, run for real, reaches the repair with pytest's essentials and what the
    code did line by line (the client's examples have their own walk)."""
    spec = Spec(summary="calc", files=[FileContract(path="calc.py")])
    verifier = Verifier()
    verifier.spec, verifier.design = spec, Design(files=[FilePlan(path="calc.py")])
    verifier.source_of, verifier.failing = {"tests/test_calc.py": "calc.py"}, Counter()
    (tmp_path / "calc.py").write_text("def mul(a, b):\n    product = a + b\n    return product\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text(
        "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
    )
    ctx = Context("r-test", "multiply", tmp_path, ScriptedModel([]), LocalSandbox())
    path, messages = verifier.target(ctx, verifier.trial(ctx))
    assert path == "calc.py"
    shown = "\n".join(messages)
    assert "assert 5 == 6" in shown and "test_calc.py:5" in shown
    assert f"{WALK_HEAD}\n  mul(a=2, b=3):\n    line 2: product = a + b   # product = 5" in shown
    assert "-> mul returned 5" in shown


MEAN = 'def mean(xs):\n    """The mean."""\n    total = sum(xs)\n    return total / len(xs)\n'
CRASH = (
    'Traceback (most recent call last):\n  File "calc.py", line 4, in mean\n'
    "    return total / len(xs)\nZeroDivisionError: division by zero"
)


def crash_repair(tmp_path: Path, answers: list[str]) -> tuple[str | None, ScriptedModel, Context]:
    verifier = calc_verifier()
    model = ScriptedModel(answers, supports_prefill=True)
    ctx = Context("r-test", "the mean, 0.0 of nothing", tmp_path, model, LocalSandbox())
    return verifier.repair_functions(ctx, "calc.py", MEAN, [CRASH], ["mean"], 1), model, ctx


def test_a_repair_of_a_crash_begins_at_the_crashing_line_and_must_change_it(
    tmp_path: Path,
) -> None:
    """The function up to the crash is given; a first line that repeats the crash (or only
    comments) is sampled again; then the rest follows that new line."""
    code, model, _ = crash_repair(
        tmp_path,
        [
            "    return total / len(xs)",
            "    # avoid dividing by zero",
            "    if not xs:",
            "        return 0.0\n    return total / len(xs)\n```\n",
        ],
    )
    assert code == MEAN.replace("    return", "    if not xs:\n        return 0.0\n    return")
    first, sampled, _, rest = model.requests
    assert first.messages[-1]["content"].endswith("total = sum(xs)\n")
    assert first.temperature == 0.0 and sampled.temperature > 0 and first.stop == ("\n",)
    assert rest.messages[-1]["content"].endswith("total = sum(xs)\n    if not xs:\n")


def test_a_repair_that_only_repeats_the_crash_writes_nothing(tmp_path: Path) -> None:
    code, model, ctx = crash_repair(tmp_path, ["    return total / len(xs)"] * 4)
    assert code is None and model.remaining == 0
    assert "every repair of `mean` wrote its crashing line again" in ctx.notes[-1]


def test_a_smaller_blamed_set_begins_at_a_function_not_yet_begun_at(tmp_path: Path) -> None:
    """01-money's repairs of three, two, then one blamed function all began at `__init__` (each
    set was new) and wrote it back unchanged three times."""
    verifier = calc_verifier()
    model = ScriptedModel(["    return a\n```\n"] * 3, supports_prefill=True)
    ctx = Context("r-test", "keep and multiply", tmp_path, model, LocalSandbox())
    current = (
        'def keep(a):\n    """The same."""\n    return a\n\n\n'
        'def mul(a, b):\n    """The product."""\n    return a + b\n'
    )
    verifier.repair_functions(ctx, "calc.py", current, ["mul(2, 3) == 6"], ["keep", "mul"], 1)
    verifier.repair_functions(ctx, "calc.py", current, ["mul(2, 3) == 6"], ["keep"], 2)
    began = [r.messages[-1]["content"].splitlines()[1] for r in model.requests]
    assert began == ["def keep(a):", "def keep(a):"]
    assert model.requests[1].temperature > 0  # `keep` again: sampled, not the same greedy answer
    verifier.repair_functions(ctx, "calc.py", current, ["mul(2, 3) == 6"], ["keep", "mul"], 3)
    assert model.requests[2].messages[-1]["content"].splitlines()[1] == "def mul(a, b):"
