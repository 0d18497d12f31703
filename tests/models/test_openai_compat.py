"""OpenAIModel against a real local HTTP server that speaks the chat-completions protocol."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator

import pytest

from macrohard.errors import ModelError, ModelUnavailable, TransientModelError
from macrohard.models.base import system, user
from macrohard.models.openai_compat import OpenAIModel
from macrohard.models.wrappers import Retrying

from .fake_server import (
    FakeServer,
    Reply,
    chat_completion,
    closed_port_url,
    openai_error,
)

KEY = "sk-test-SECRET-0123456789"
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}},
    "required": ["answer"],
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACROHARD_ALLOW_MODEL_REQUESTS", "1")
    for name in ("MACROHARD_OPENAI_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def make(server: FakeServer, timeout: float = 5.0) -> OpenAIModel:
    return OpenAIModel("gpt-test", base_url=f"{server.url}/v1", api_key=KEY, timeout=timeout)


def test_answer_with_usage_and_request_fields(server: FakeServer) -> None:
    server.replies.append(Reply(200, chat_completion("hello", 11, 7)))
    completion = make(server).complete(
        [system("be brief"), user("hi")],
        temperature=0.3,
        max_tokens=50,
        seed=7,
        stop=["END"],
    )
    assert completion.text == "hello"
    assert completion.finish_reason == "stop"
    assert completion.model == f"openai:gpt-test@{server.url}/v1"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (
        11,
        7,
    )
    assert completion.usage.calls == 1
    [sent] = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "gpt-test"
    assert sent.body["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]
    assert (sent.body["temperature"], sent.body["max_tokens"]) == (0.3, 50)
    assert (sent.body["seed"], sent.body["stop"]) == (7, ["END"])
    assert "response_format" not in sent.body


def test_unset_seed_and_stop_are_not_sent(server: FakeServer) -> None:
    server.replies.append(Reply(200, chat_completion("ok")))
    make(server).complete([user("hi")])
    body = server.requests[0].body
    assert "seed" not in body
    assert "stop" not in body


def test_missing_usage_falls_back_to_estimates(server: FakeServer) -> None:
    body = chat_completion("twelve chars")
    del body["usage"]
    server.replies.append(Reply(200, body))
    usage = make(server).complete([user("a prompt of some length")]).usage
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens == 3


def test_schema_is_sent_as_json_schema_response_format(server: FakeServer) -> None:
    server.replies.append(Reply(200, chat_completion('{"answer": 42}')))
    completion = make(server).complete([user("the answer?")], schema=SCHEMA)
    assert json.loads(completion.text) == {"answer": 42}
    assert server.requests[0].body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": SCHEMA, "strict": False},
    }


def test_schema_400_falls_back_to_json_object_with_schema_in_system(
    server: FakeServer,
) -> None:
    server.replies += [
        Reply(400, openai_error("response_format json_schema is not supported")),
        Reply(200, chat_completion('{"answer": 1}')),
    ]
    completion = make(server).complete([system("be exact"), user("one?")], schema=SCHEMA)
    assert completion.text == '{"answer": 1}'
    first, second = (r.body for r in server.requests)
    assert first["response_format"]["type"] == "json_schema"
    assert second["response_format"] == {"type": "json_object"}
    messages = second["messages"]
    assert len(messages) == 2
    assert messages[0]["role"] == "system"
    assert messages[0]["content"].startswith("be exact")
    assert '"answer"' in messages[0]["content"]
    assert messages[1] == {"role": "user", "content": "one?"}


def test_fallback_adds_a_system_message_when_there_is_none(server: FakeServer) -> None:
    server.replies += [
        Reply(400, openai_error("no")),
        Reply(200, chat_completion("{}")),
    ]
    make(server).complete([user("q")], schema=SCHEMA)
    messages = server.requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "JSON" in messages[0]["content"]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limit_and_server_errors_are_transient(server: FakeServer, status: int) -> None:
    server.replies.append(Reply(status, openai_error("busy, try later", "server_error")))
    with pytest.raises(TransientModelError, match="busy, try later"):
        make(server).complete([user("hi")])


def test_retrying_recovers_after_two_server_errors(server: FakeServer) -> None:
    server.replies += [
        Reply(500, openai_error("boom")),
        Reply(500, openai_error("boom")),
        Reply(200, chat_completion("third time lucky")),
    ]
    completion = Retrying(make(server), sleep=lambda s: None).complete([user("hi")])
    assert completion.text == "third time lucky"
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_is_unavailable_and_never_shown(server: FakeServer, status: int) -> None:
    server.replies.append(Reply(status, openai_error(f"Incorrect API key provided: {KEY}")))
    with pytest.raises(ModelUnavailable) as info:
        make(server).complete([user("hi")])
    text = str(info.value)
    assert "MACROHARD_OPENAI_API_KEY" in text
    assert KEY not in text
    assert KEY not in repr(info.value)
    assert info.value.__cause__ is None


def test_other_client_errors_carry_the_server_message(server: FakeServer) -> None:
    server.replies.append(Reply(404, openai_error(f"model 'gpt-test' not found (key {KEY})")))
    with pytest.raises(ModelError) as info:
        make(server).complete([user("hi")])
    assert type(info.value) is ModelError
    assert "model 'gpt-test' not found" in str(info.value)
    assert KEY not in str(info.value)


def test_unreachable_endpoint_is_unavailable_quickly() -> None:
    url = f"{closed_port_url()}/v1"
    start = time.monotonic()
    with pytest.raises(ModelUnavailable, match="cannot connect") as info:
        OpenAIModel("m", base_url=url, api_key=KEY, timeout=2.0).complete([user("hi")])
    assert time.monotonic() - start < 2.0
    assert url in str(info.value)
    assert KEY not in str(info.value)


def test_hanging_server_times_out_as_transient(server: FakeServer) -> None:
    server.replies.append(Reply(200, chat_completion("too late"), hang=10.0))
    start = time.monotonic()
    with pytest.raises(TransientModelError, match="timed out"):
        make(server, timeout=0.5).complete([user("hi")])
    assert time.monotonic() - start < 3.0


def test_key_is_not_in_repr_or_name(server: FakeServer) -> None:
    model = make(server)
    assert KEY not in repr(model)
    assert KEY not in model.name


def test_key_and_base_url_come_from_the_environment(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-generic")
    monkeypatch.setenv("MACROHARD_OPENAI_API_KEY", "sk-ours")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    server.replies.append(Reply(200, chat_completion("ok")))
    OpenAIModel("m").complete([user("hi")])
    assert server.requests[0].headers["authorization"] == "Bearer sk-ours"


def test_local_server_needs_no_key(server: FakeServer) -> None:
    server.replies.append(Reply(200, chat_completion("ok")))
    OpenAIModel("m", base_url=f"{server.url}/v1").complete([user("hi")])
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"


def test_remote_endpoint_without_key_says_which_variable_to_set() -> None:
    with pytest.raises(ModelUnavailable, match="MACROHARD_OPENAI_API_KEY or OPENAI_API_KEY"):
        OpenAIModel("gpt-test")


def test_disabled_requests_fail_before_any_http(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MACROHARD_ALLOW_MODEL_REQUESTS", "0")
    server.replies.append(Reply(200, chat_completion("never")))
    with pytest.raises(ModelUnavailable, match="disabled"):
        make(server).complete([user("hi")])
    assert server.requests == []


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(ModelUnavailable, match=r"pip install 'macrohard\[openai\]'"):
        OpenAIModel("m", api_key=KEY)
