from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel

from macrohard.models import Cut, ScriptedModel
from macrohard.models.structured import ask_structured, skeleton


class Item(BaseModel):
    name: str
    tags: list[str] = []
    count: int = 0


class Box(BaseModel):
    items: list[Item]
    label: str | None = None


def test_skeleton_shows_the_shape() -> None:
    assert skeleton(Box) == {
        "items": [{"name": "...", "tags": ["..."], "count": 0}],
        "label": "...",
    }


def test_prompted_json_first_then_the_schema() -> None:
    good = json.dumps({"items": [{"name": "a"}]})
    model = ScriptedModel(["Sure! ```json\n{not json```", good])
    notes: list[str] = []
    box, usage = ask_structured(model, [], Box, notes=notes)
    assert box is not None and box.items[0].name == "a"
    assert model.requests[0].schema is None and "shaped like this" in str(model.requests[0])
    assert model.requests[1].schema is not None  # the retry is grammar-constrained
    assert usage.calls == 2 and "malformed Box" in notes[0]


def test_both_attempts_bad_gives_none() -> None:
    model = ScriptedModel(['{"items": "nope"}', "no"])
    box, _ = ask_structured(model, [], Box)
    assert box is None


def test_json_wrapped_in_prose_is_accepted() -> None:
    model = ScriptedModel(['Here it is:\n```json\n{"items": []}\n```\nDone.'])
    box, _ = ask_structured(model, [], Box)
    assert box is not None and box.items == []


class Verdict(BaseModel):
    wrong: Literal["code", "test"]
    reason: str = ""


def test_a_choice_between_values_is_asked_under_the_schema_first() -> None:
    model = ScriptedModel(['{"wrong": "test"}'])
    verdict, usage = ask_structured(model, [], Verdict)
    assert verdict is not None and verdict.wrong == "test"
    assert model.requests[0].schema is not None and usage.calls == 1
    # the example still shows the choices, for the prompted retry
    assert skeleton(Verdict) == {"wrong": "code | test", "reason": "..."}


def test_a_verdict_cut_at_its_token_limit_keeps_its_decision() -> None:
    cut = Cut('{"wrong": "test", "reason": "The test expects `get` to return')
    notes: list[str] = []
    verdict, usage = ask_structured(ScriptedModel([cut]), [], Verdict, notes=notes, partial=True)
    assert verdict == Verdict(wrong="test", reason="The test expects `get` to return")
    assert usage.calls == 1 and "cut at 1024 tokens" in notes[-1]


def test_a_cut_answer_is_not_taken_unless_asked_or_when_it_stopped_by_itself() -> None:
    text = '{"wrong": "test", "reason": "The test expects'
    unasked = ScriptedModel([Cut(text), '{"wrong": "code"}'])
    verdict, _ = ask_structured(unasked, [], Verdict)
    assert verdict == Verdict(wrong="code") and unasked.remaining == 0
    stopped = ScriptedModel([text, '{"wrong": "code"}'])  # not cut: malformed, so asked again
    verdict, _ = ask_structured(stopped, [], Verdict, partial=True)
    assert verdict == Verdict(wrong="code")
