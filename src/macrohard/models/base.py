"""The one Model interface every backend implements.

A model takes chat messages and returns text plus the usage of that call. An optional JSON schema
asks for constrained output: backends that can enforce it (llama.cpp grammars, OpenAI structured
outputs) do; the others are asked in the prompt and the caller validates.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

from macrohard.errors import ModelUnavailable

Role = Literal["system", "user", "assistant"]
JsonSchema = dict[str, Any]

ALLOW_ENV = "MACROHARD_ALLOW_MODEL_REQUESTS"


class Message(TypedDict):
    role: Role
    content: str


def system(content: str) -> Message:
    return {"role": "system", "content": content}


def user(content: str) -> Message:
    return {"role": "user", "content": content}


def assistant(content: str) -> Message:
    return {"role": "assistant", "content": content}


@dataclass(frozen=True)
class Usage:
    """Tokens and wall-clock seconds spent; adds up across calls."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.seconds + other.seconds,
            self.calls + other.calls,
        )


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage
    model: str
    finish_reason: str | None = None


# finish reasons of a reply that stopped at its token limit (OpenAI and llama.cpp; Anthropic)
CUT_OFF = frozenset({"length", "max_tokens"})


@dataclass(frozen=True)
class Request:
    """Everything a backend needs for one call (what ScriptedModel/FunctionModel see too)."""

    messages: tuple[Message, ...]
    schema: JsonSchema | None = None
    temperature: float = 0.0
    max_tokens: int = 1024
    seed: int | None = None
    stop: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class Model(Protocol):
    """Chat messages in, text out."""

    name: str

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        stop: Sequence[str] = (),
    ) -> Completion: ...


class BaseModel:
    """Shared plumbing: build a Request, time the call, fill usage. Subclasses implement `_call`."""

    name: str = "model"
    #: backends that talk to a real model set this; tests block them unless they opt in
    real: bool = True

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: JsonSchema | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        stop: Sequence[str] = (),
    ) -> Completion:
        if self.real:
            check_model_requests_allowed(self.name)
        request = Request(tuple(messages), schema, temperature, max_tokens, seed, tuple(stop))
        start = time.perf_counter()
        completion = self._call(request)
        if completion.usage.seconds == 0.0:
            usage = completion.usage
            completion = Completion(
                completion.text,
                Usage(
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    time.perf_counter() - start,
                    max(usage.calls, 1),
                ),
                completion.model,
                completion.finish_reason,
            )
        return completion

    def _call(self, request: Request) -> Completion:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def check_model_requests_allowed(name: str) -> None:
    """Raise when real model calls are switched off (the test suite does this by default)."""
    if os.environ.get(ALLOW_ENV, "1").lower() in {"0", "false", "no"}:
        raise ModelUnavailable(
            f"real model requests are disabled ({ALLOW_ENV}=0) but {name!r} was called; "
            "use ScriptedModel in tests or set the variable to 1 to opt in"
        )


def approx_tokens(text: str) -> int:
    """A rough token count for backends that do not report one (about 4 characters a token)."""
    return max(1, len(text) // 4) if text else 0
