"""Deterministic models for tests and demos: no network, no weights.

`ScriptedModel` replays a list of answers in order; `FunctionModel` computes each answer from the
request. Both record every request they saw, so tests can assert on prompts. An answer is text, or
a `Cut` for text that stopped at the request's token limit (finish reason "length").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from macrohard.errors import ScriptExhausted
from macrohard.models.base import BaseModel, Completion, Request, Usage, approx_tokens


class Cut(str):
    """An answer that ran out of tokens: a real backend's reply cut at `max_tokens`."""


Answer = str | Exception


class FunctionModel(BaseModel):
    """Answers with `fn(request)`; the function may raise to simulate a failing backend."""

    real = False

    def __init__(
        self, fn: Callable[[Request], str], name: str = "function", supports_prefill: bool = False
    ) -> None:
        self.fn = fn
        self.name = name
        #: when True, a final assistant message is continued (answers are the continuation only)
        self.supports_prefill = supports_prefill
        self.requests: list[Request] = []

    def _call(self, request: Request) -> Completion:
        self.requests.append(request)
        text = self.fn(request)
        prompt = "".join(m["content"] for m in request.messages)
        usage = Usage(approx_tokens(prompt), approx_tokens(text), 0.0, 1)
        reason = "length" if isinstance(text, Cut) else "stop"
        return Completion(str(text), usage, self.name, reason)


class ScriptedModel(FunctionModel):
    """Replays `answers` one per call; an Exception in the list is raised instead of answered."""

    def __init__(
        self, answers: Iterable[Answer], name: str = "scripted", supports_prefill: bool = False
    ) -> None:
        self.answers: list[Answer] = list(answers)
        self._next = 0
        super().__init__(self._answer, name, supports_prefill)

    def _answer(self, request: Request) -> str:
        if self._next >= len(self.answers):
            raise ScriptExhausted(
                f"ScriptedModel {self.name!r} has no answer left for call {self._next + 1} "
                f"(it was given {len(self.answers)})"
            )
        answer = self.answers[self._next]
        self._next += 1
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def remaining(self) -> int:
        return len(self.answers) - self._next
