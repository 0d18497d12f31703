"""Cross-cutting behaviour as wrappers around any Model: retry with backoff, usage metering,
a transcript of every call.

A wrapper subclasses `Wrapper` and overrides `call`; the full `complete` signature, the name and
the prefill capability of the wrapped model are forwarded once, here.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from macrohard.errors import ModelUnavailable, TransientModelError
from macrohard.models.base import Completion, JsonSchema, Message, Model, Usage


class Wrapper:
    """Forwards to the wrapped model; subclasses change `call`."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.name = model.name

    @property
    def supports_prefill(self) -> bool:
        return bool(getattr(self.model, "supports_prefill", False))

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
        options = {
            "schema": schema,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "seed": seed,
            "stop": stop,
        }
        return self.call(messages, options)

    def call(self, messages: Sequence[Message], options: dict[str, Any]) -> Completion:
        return self.model.complete(messages, **options)


class Retrying(Wrapper):
    """Retries transient failures with exponential backoff and jitter, then gives up clearly."""

    def __init__(
        self,
        model: Model,
        attempts: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(model)
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep

    def call(self, messages: Sequence[Message], options: dict[str, Any]) -> Completion:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return super().call(messages, options)
            except TransientModelError as exc:
                if attempt == self.attempts:
                    raise ModelUnavailable(
                        f"{self.name}: still failing after {self.attempts} attempts ({exc}); "
                        "check the endpoint's status or try again later"
                    ) from exc
                self._sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto
                delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")  # pragma: no cover


class Metered(Wrapper):
    """Adds up the usage of every call made through it (thread-safe)."""

    def __init__(self, model: Model) -> None:
        super().__init__(model)
        self.usage = Usage()
        self._lock = threading.Lock()

    def call(self, messages: Sequence[Message], options: dict[str, Any]) -> Completion:
        completion = super().call(messages, options)
        with self._lock:
            self.usage = self.usage + completion.usage
        return completion


class Recorded(Wrapper):
    """Appends each call (messages, options, reply, usage) as one JSON line to `path`: what the
    model was asked and said, for an engineer reading why a run went the way it did.

    Prompts hold the request and the code, never API keys (those stay in the clients)."""

    def __init__(self, model: Model, path: Path) -> None:
        super().__init__(model)
        self.path = path
        self._lock = threading.Lock()

    def call(self, messages: Sequence[Message], options: dict[str, Any]) -> Completion:
        started = time.time()
        completion = super().call(messages, options)
        record = {
            "at": round(started, 3),
            "model": self.name,
            "messages": list(messages),
            "temperature": options["temperature"],
            "max_tokens": options["max_tokens"],
            "schema": options["schema"] is not None,
            "reply": completion.text,
            "finish_reason": completion.finish_reason,
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "seconds": round(completion.usage.seconds, 2),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)
        return completion
