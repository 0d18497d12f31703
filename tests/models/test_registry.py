from __future__ import annotations

import json
from pathlib import Path

import pytest

from macrohard.errors import ModelSpecError, ModelUnavailable, ScriptExhausted
from macrohard.models import Metered, Retrying, ScriptedModel, get_model, user
from macrohard.models.embedded import EmbeddedModel


def test_specs_pick_backends(tmp_path: Path) -> None:
    assert isinstance(get_model("embedded"), EmbeddedModel)
    small = get_model("embedded:small")
    assert isinstance(small, EmbeddedModel) and small.model == "small"
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(["hi"]))
    assert get_model(f"scripted:{answers}").complete([user("x")]).text == "hi"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gemini:pro", "unknown model backend"),
        ("openai:", "needs a model name"),
        ("openai:http://127.0.0.1:8080/v1", "needs '#MODEL'"),
        ("anthropic:", "needs a model name"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ModelSpecError, match=message):
        get_model(spec)


def test_default_spec_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACROHARD_MODEL", "embedded:0.5b")
    model = get_model()
    assert isinstance(model, EmbeddedModel) and model.model == "0.5b"


def test_real_backends_are_blocked_in_tests() -> None:
    with pytest.raises(ModelUnavailable, match="disabled"):
        EmbeddedModel("small").complete([user("hi")])


def test_scripted_runs_out_loudly_and_meters_usage() -> None:
    model = Metered(ScriptedModel(["one", "two"]))
    model.complete([user("a")])
    model.complete([user("b")])
    assert model.usage.calls == 2 and model.usage.completion_tokens > 0
    with pytest.raises(ScriptExhausted, match="no answer left for call 3"):
        model.complete([user("c")])


def test_retrying_gives_up_with_a_clear_error() -> None:
    from macrohard.errors import TransientModelError

    sleeps: list[float] = []
    flaky = ScriptedModel([TransientModelError("503")] * 3 + ["ok"])
    assert Retrying(flaky, attempts=4, sleep=sleeps.append).complete([user("x")]).text == "ok"
    assert len(sleeps) == 3 and sleeps[1] > sleeps[0] * 0.5
    dead = ScriptedModel([TransientModelError("503")] * 2)
    with pytest.raises(ModelUnavailable, match="still failing after 2 attempts"):
        Retrying(dead, attempts=2, sleep=sleeps.append).complete([user("x")])


def test_wrappers_forward_prefill_and_name() -> None:
    inner = ScriptedModel(["x"], name="inner", supports_prefill=True)
    wrapped = Metered(Retrying(inner))
    assert wrapped.name == "inner" and wrapped.supports_prefill is True
    assert wrapped.complete([user("q")], stop=("END",)).text == "x"
    assert inner.requests[0].stop == ("END",)


def test_a_transcript_records_every_call_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(["first", "second"]))
    transcript = tmp_path / "logs" / "calls.jsonl"
    monkeypatch.setenv("MACROHARD_TRANSCRIPT", str(transcript))
    model = get_model(f"scripted:{answers}")
    model.complete([user("one?")], max_tokens=10)
    model.complete([user("two?")], temperature=0.7)
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert [r["reply"] for r in records] == ["first", "second"]
    assert records[0]["messages"] == [{"role": "user", "content": "one?"}]
    assert (records[0]["max_tokens"], records[1]["temperature"]) == (10, 0.7)
    assert records[0]["model"] == "scripted:a.json"
    monkeypatch.delenv("MACROHARD_TRANSCRIPT")
    get_model(f"scripted:{answers}").complete([user("three?")])
    assert len(transcript.read_text().splitlines()) == 2
