from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel

from macrohard.models import ScriptedModel
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
