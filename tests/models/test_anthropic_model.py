"""AnthropicModel against a real local HTTP server that speaks the Messages protocol."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest

from macrohard.errors import ModelError, ModelUnavailable, TransientModelError
from macrohard.models.anthropic_model import AnthropicModel
from macrohard.models.base import assistant, system, user
from macrohard.models.wrappers import Retrying

from .fake_server import (
    FakeServer,
    Reply,
    anthropic_error,
    anthropic_message,
    closed_port_url,
)

KEY = "sk-ant-test-SECRET-0123456789"
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}},
    "required": ["answer"],
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACROHARD_ALLOW_MODEL_REQUESTS", "1")
    for name in (
        "MACROHARD_ANTHROPIC_API_KEY",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def make(server: FakeServer, timeout: float = 5.0) -> AnthropicModel:
    return AnthropicModel("claude-test", base_url=server.url, api_key=KEY, timeout=timeout)


def sent_key(server: FakeServer) -> str:
    """anthropic 2.x sends the key as a bearer token, not as x-api-key."""
    return server.requests[0].headers["authorization"].removeprefix("Bearer ")


def test_answer_with_usage_and_request_fields(server: FakeServer) -> None:
    server.replies.append(Reply(200, anthropic_message("hello", 13, 5)))
    completion = make(server).complete(
        [
            system("be brief"),
            user("hi"),
            assistant("hey"),
            system("no emoji"),
            user("well?"),
        ],
        temperature=0.3,
        max_tokens=50,
        stop=["END"],
    )
    assert completion.text == "hello"
    assert completion.finish_reason == "end_turn"
    assert completion.model == f"anthropic:claude-test@{server.url}"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (
        13,
        5,
    )
    assert completion.usage.calls == 1
    [sent] = server.requests
    assert sent.path == "/v1/messages"
    assert sent_key(server) == KEY
    assert sent.body["model"] == "claude-test"
    assert sent.body["system"] == "be brief\n\nno emoji"
    assert sent.body["messages"] == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hey"},
        {"role": "user", "content": "well?"},
    ]
    assert (sent.body["max_tokens"], sent.body["stop_sequences"]) == (50, ["END"])
    assert "temperature" not in sent.body  # API version 2026-10-21 rejects it


def test_no_system_and_no_stop_are_left_out(server: FakeServer) -> None:
    server.replies.append(Reply(200, anthropic_message("ok")))
    make(server).complete([user("hi")])
    body = server.requests[0].body
    assert "system" not in body
    assert "stop_sequences" not in body


def test_schema_is_asked_for_in_the_system_prompt(server: FakeServer) -> None:
    server.replies.append(Reply(200, anthropic_message('{"answer": 42}')))
    completion = make(server).complete([system("be exact"), user("the answer?")], schema=SCHEMA)
    assert completion.text == '{"answer": 42}'
    prompt = server.requests[0].body["system"]
    assert prompt.startswith("be exact\n\n")
    assert "JSON" in prompt
    assert '"answer"' in prompt


@pytest.mark.parametrize("status", [429, 500, 503, 529])
def test_rate_limit_overload_and_server_errors_are_transient(
    server: FakeServer, status: int
) -> None:
    server.replies.append(Reply(status, anthropic_error("Overloaded", "overloaded_error")))
    with pytest.raises(TransientModelError, match="Overloaded"):
        make(server).complete([user("hi")])


def test_retrying_recovers_after_two_server_errors(server: FakeServer) -> None:
    server.replies += [
        Reply(500, anthropic_error("boom", "api_error")),
        Reply(529, anthropic_error("Overloaded", "overloaded_error")),
        Reply(200, anthropic_message("third time lucky")),
    ]
    completion = Retrying(make(server), sleep=lambda s: None).complete([user("hi")])
    assert completion.text == "third time lucky"
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_is_unavailable_and_never_shown(server: FakeServer, status: int) -> None:
    error = anthropic_error(f"invalid x-api-key {KEY}", "authentication_error")
    server.replies.append(Reply(status, error))
    with pytest.raises(ModelUnavailable) as info:
        make(server).complete([user("hi")])
    text = str(info.value)
    assert "MACROHARD_ANTHROPIC_API_KEY" in text
    assert KEY not in text
    assert KEY not in repr(info.value)
    assert info.value.__cause__ is None


def test_other_client_errors_carry_the_server_message(server: FakeServer) -> None:
    server.replies.append(Reply(400, anthropic_error("messages: at least one message is required")))
    with pytest.raises(ModelError) as info:
        make(server).complete([user("hi")])
    assert type(info.value) is ModelError
    assert "at least one message is required" in str(info.value)


def test_unreachable_endpoint_is_unavailable_quickly() -> None:
    url = closed_port_url()
    start = time.monotonic()
    with pytest.raises(ModelUnavailable, match="cannot connect") as info:
        AnthropicModel("m", base_url=url, api_key=KEY, timeout=2.0).complete([user("hi")])
    assert time.monotonic() - start < 2.0
    assert url in str(info.value)
    assert KEY not in str(info.value)


def test_hanging_server_times_out_as_transient(server: FakeServer) -> None:
    server.replies.append(Reply(200, anthropic_message("too late"), hang=10.0))
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
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-generic")
    monkeypatch.setenv("MACROHARD_ANTHROPIC_API_KEY", "sk-ant-ours")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    server.replies.append(Reply(200, anthropic_message("ok")))
    AnthropicModel("m").complete([user("hi")])
    assert sent_key(server) == "sk-ant-ours"


def test_missing_key_says_which_variable_to_set() -> None:
    match = "MACROHARD_ANTHROPIC_API_KEY or ANTHROPIC_API_KEY"
    with pytest.raises(ModelUnavailable, match=match):
        AnthropicModel("claude-test")


def test_disabled_requests_fail_before_any_http(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MACROHARD_ALLOW_MODEL_REQUESTS", "0")
    server.replies.append(Reply(200, anthropic_message("never")))
    with pytest.raises(ModelUnavailable, match="disabled"):
        make(server).complete([user("hi")])
    assert server.requests == []


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)
    with pytest.raises(ModelUnavailable, match=r"pip install 'macrohard\[anthropic\]'"):
        AnthropicModel("m", api_key=KEY)
