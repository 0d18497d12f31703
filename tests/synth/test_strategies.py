"""Every strategy end to end with the ScriptedModel and the real local sandbox."""

from __future__ import annotations

import pytest

from macrohard.errors import TransientModelError, UserError
from macrohard.models import ScriptedModel
from macrohard.sandbox import LocalSandbox
from macrohard.synth import Task, synthesize

SQUARE = Task.from_request("Square a number", ["assert square(3) == 9", "assert square(-2) == 4"])
RIGHT = "```python\ndef square(x):\n    return x * x\n```"
WRONG = "```python\ndef square(x):\n    return x + x\n```"
HANGS = "```python\ndef square(x):\n    while True:\n        pass\n```"
BROKEN = "```python\ndef square(x):\n    return x *\n```"


@pytest.fixture
def sb() -> LocalSandbox:
    return LocalSandbox()


def test_single_returns_the_greedy_answer(sb: LocalSandbox) -> None:
    model = ScriptedModel([RIGHT])
    sol = synthesize(SQUARE, model, "single", sb)
    assert sol.verified and sol.code == "def square(x):\n    return x * x\n"
    assert model.requests[0].temperature == 0.0
    assert "square(3) == 9" in model.requests[0].messages[-1]["content"]
    assert sol.usage.completion_tokens > 0


def test_single_reports_failing_examples(sb: LocalSandbox) -> None:
    sol = synthesize(SQUARE, ScriptedModel([WRONG]), "single", sb)
    assert sol.code is not None and not sol.verified


def test_repair_feeds_back_only_visible_failures(sb: LocalSandbox) -> None:
    model = ScriptedModel([WRONG, RIGHT])
    sol = synthesize(SQUARE, model, "repair", sb)
    assert sol.verified and [c.origin for c in sol.candidates] == ["greedy", "repair-1"]
    feedback = model.requests[1].messages[-1]["content"]
    assert "square(3) == 9" in feedback and "returned 6" in feedback
    assert model.requests[1].temperature > 0


def test_repair_stops_after_k_rounds_and_keeps_the_best(sb: LocalSandbox) -> None:
    almost = "```python\ndef square(x):\n    return abs(x) * 3 if x == 3 else 0\n```"
    model = ScriptedModel([BROKEN, almost, HANGS])
    sol = synthesize(SQUARE, model, "repair", sb, rounds=2)
    assert not sol.verified and sol.code is not None and "abs(x)" in sol.code
    assert model.remaining == 0


def test_vote_samples_until_examples_pass(sb: LocalSandbox) -> None:
    model = ScriptedModel([WRONG, "no code here, sorry", HANGS, RIGHT])
    sol = synthesize(SQUARE, model, "vote", sb, samples=5)
    assert sol.verified and sol.candidates[-1].origin == "sample-3"
    assert [r.seed for r in model.requests] == [None, 1, 2, 3]
    assert any("no usable code" in n for n in sol.notes)


def test_vote_without_examples_uses_codet_agreement(sb: LocalSandbox) -> None:
    task = Task.from_request("def square(x):\n    '''Return x squared.'''\n")
    tests = '{"tests": ["assert square(2) == 4", "assert square(3) == 9", "assert square(0) == 0"]}'
    model = ScriptedModel([WRONG, RIGHT, WRONG.replace("x + x", "x ** 2"), BROKEN, tests])
    sol = synthesize(task, model, "vote", sb, samples=3)
    assert sol.code is not None and "def square" in sol.code
    assert "x + x" not in sol.code  # the pair that agrees on 3 tests beats the lone greedy answer
    assert model.requests[-1].schema is not None  # tests were asked for as constrained JSON
    assert any("agreement" in n for n in sol.notes)


def test_prefill_continues_the_header(sb: LocalSandbox) -> None:
    task = Task.from_request('def square(x):\n    """Square.\n    >>> square(4)\n    16\n    """\n')
    model = ScriptedModel(["    return x * x\n```\nDone."], supports_prefill=True)
    sol = synthesize(task, model, "single", sb)
    assert sol.verified and sol.code is not None and sol.code.endswith("return x * x\n")
    last = model.requests[0].messages[-1]
    assert last["role"] == "assistant" and last["content"].startswith("```python\ndef square")


def test_model_errors_are_recorded_not_raised(sb: LocalSandbox) -> None:
    model = ScriptedModel([TransientModelError("503 from server")])
    sol = synthesize(SQUARE, model, "single", sb)
    assert sol.code is None and "503" in sol.notes[0]


def test_hanging_code_is_a_failed_candidate_not_a_hang(sb: LocalSandbox) -> None:
    sol = synthesize(SQUARE, ScriptedModel([HANGS]), "single", sb)
    assert not sol.verified and sol.candidates[0].result is not None
    assert "timed out" in " ".join(sol.candidates[0].result.errors)


def test_memory_eater_is_contained(sb: LocalSandbox) -> None:
    eater = "```python\ndef square(x):\n    b = bytearray(4 * 1024 ** 3)\n    return x * x\n```"
    sol = synthesize(SQUARE, ScriptedModel([eater]), "single", sb)
    assert not sol.verified and "MemoryError" in " ".join(sol.candidates[0].result.errors)  # type: ignore[union-attr]


def test_unknown_strategy(sb: LocalSandbox) -> None:
    with pytest.raises(UserError, match="unknown strategy"):
        synthesize(SQUARE, ScriptedModel([]), "magic", sb)
