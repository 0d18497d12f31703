"""How verify spends the last minutes of a build's budget: when a whole-file candidate no longer
fits, a repair of just the blamed function still goes ahead (seen in `bench projects`: builds
stopped with 190-203 s unused because the next step was a whole file of ~200 s)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from macrohard.company.artifacts import Design, FileContract, FilePlan, FunctionContract, Spec
from macrohard.company.budget import Budget, BudgetedModel
from macrohard.company.context import Context
from macrohard.company.roles.verify import FILL_PROMPT_SECONDS, TEST_RUN_SECONDS, Trial, Verifier
from macrohard.gates import GateResult
from macrohard.models import ScriptedModel
from macrohard.models.base import Usage
from macrohard.sandbox import LocalSandbox

HELPERS = "\n\n".join(f"def helper{i}(x):\n    return x + {i}\n" for i in range(60))
CODE = f"def add(a, b):\n    return a - b\n\n\n{HELPERS}"
FAILURE = {
    "classname": "tests.test_mathutil",
    "test": "",
    "message": 'Traceback (most recent call last):\n  File "/job/mathutil.py", line 2, in add\n'
    "AssertionError: assert -1 == 5",
}


def context(tmp_path: Path, seconds_left: float, prefill: bool = False) -> Context:
    budget = Budget(max_minutes=10)
    budget.deadline = time.monotonic() + seconds_left
    model = BudgetedModel(ScriptedModel([], supports_prefill=prefill), budget)
    model.usage = Usage(completion_tokens=100, seconds=10.0)  # 0.1 s a token, as measured so far
    return Context("r-test", "a request", tmp_path, model, LocalSandbox())


def verifier() -> Verifier:
    made = Verifier()
    made.spec = Spec(summary="math", files=[FileContract(path="mathutil.py")])
    made.design = Design(files=[FilePlan(path="mathutil.py")])
    return made


def best() -> Trial:
    result = GateResult("tests", "failed", "1 failed", details={"failures": [FAILURE]})
    return Trial({"mathutil.py": CODE}, result)


@pytest.mark.parametrize(
    ("seconds_left", "whole_next", "expected"),
    [
        (600, False, ["add"]),  # a function repair first
        (600, True, []),  # after one that did not help: the whole file, time allowing
        (60, True, ["add"]),  # a whole file (~72 s + 30 s reserve) no longer fits; `add` does
        (40, True, None),  # not even `add` (~21 s + 30 s) fits: stop
    ],
)
def test_the_next_repair_is_what_fits_the_time_left(
    tmp_path: Path, seconds_left: float, whole_next: bool, expected: list[str] | None
) -> None:
    ctx = context(tmp_path, seconds_left)
    assert verifier().step(ctx, best(), "mathutil.py", CODE, whole_next) == expected
    stopped = [n for n in ctx.notes if n.startswith("verify: stopped")]
    assert bool(stopped) == (expected is None)  # the note only when verify really stops


@pytest.mark.parametrize(
    ("rounds", "seconds_left", "expected"), [(None, None, 6), (None, 600, 24), (2, 600, 2)]
)
def test_the_clock_bounds_repair_rounds_unless_the_run_sets_them(
    tmp_path: Path, rounds: int | None, seconds_left: float | None, expected: int
) -> None:
    ctx = context(tmp_path, seconds_left or 0)
    if seconds_left is None:
        ctx.model.budget.deadline = None
    ctx.repair_rounds = rounds
    assert Verifier.round_limit(ctx) == expected


def test_a_whole_file_round_is_reckoned_at_what_the_last_one_took(tmp_path: Path) -> None:
    """01's filled candidates took 60-70 s where the file's size at the run's pace said 138 s,
    and verify stopped with 136 s unused; once a file round is measured, that is the guess."""
    ctx = context(tmp_path, 60)
    made = verifier()
    assert made.step(ctx, best(), "mathutil.py", CODE, True) == ["add"]  # ~72 s: no file
    made.file_round_seconds = 20.0
    assert made.step(ctx, best(), "mathutil.py", CODE, True) == []  # 20 s + 30 s fits


def test_a_file_with_an_outline_is_reckoned_at_its_bodies_until_a_round_is_measured(
    tmp_path: Path,
) -> None:
    contract = FileContract(
        path="mathutil.py",
        functions=[
            FunctionContract(name=f"helper{i}", signature=f"def helper{i}(x)") for i in range(60)
        ],
    )
    verifier = Verifier()
    verifier.spec = Spec(summary="helpers", files=[contract])
    verifier.design = Design(files=[FilePlan(path="mathutil.py")])
    ctx = context(tmp_path, 600, prefill=True)
    whole = verifier.file_seconds(ctx, "mathutil.py", CODE)
    # the 60 one-line bodies (~600 characters), not the 2,100 of the file, plus the prompt
    bodies = Verifier.candidate_seconds(ctx, "x" * 700) + FILL_PROMPT_SECONDS
    assert FILL_PROMPT_SECONDS < whole <= bodies
    assert whole < Verifier.candidate_seconds(ctx, CODE) + FILL_PROMPT_SECONDS - 20
    verifier.file_round_seconds = 25.0  # once measured, the measure
    assert verifier.file_seconds(ctx, "mathutil.py", CODE) == 25.0


def test_before_a_round_is_measured_the_engineer_s_own_time_for_the_file_is_the_guess(
    tmp_path: Path,
) -> None:
    """03-todo's filled file took the engineer 155 s; reckoned at its size (255 s), verify
    stopped at once with 270 s of budget left."""
    ctx = context(tmp_path, 100)
    made = verifier()
    assert made.step(ctx, best(), "mathutil.py", CODE, True) == ["add"]  # ~72 s: no file
    ctx.written_in["mathutil.py"] = 40.0
    assert made.file_seconds(ctx, "mathutil.py", CODE) == 40.0 + TEST_RUN_SECONDS
    assert made.step(ctx, best(), "mathutil.py", CODE, True) == []  # 55 s + 30 s fits


def test_when_every_blamed_function_does_not_fit_the_first_ones_still_go(tmp_path: Path) -> None:
    """03-todo's trace blamed five functions, reckoned at 261 s with 263 s left: the build
    stopped there instead of repairing the first of them."""
    code = "def add(a, b):\n    return a - b\n\n\ndef big(x):\n" + "    x += 1\n" * 300
    ran = {"classname": "tests.test_client_examples", "test": "t", "message": "x"}
    ran["message"] = "functions run: mathutil.py:add, mathutil.py:big"
    trial = Trial(
        {"mathutil.py": code}, GateResult("tests", "failed", "", details={"failures": [ran]})
    )
    ctx = context(tmp_path, 60)  # add: ~21 s + 30 s reserve; add and big: ~96 s
    assert verifier().step(ctx, trial, "mathutil.py", code, False) == ["add"]
    assert not ctx.notes
