"""Cross-cutting behaviour as wrappers around any Model: retry with backoff, usage metering."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence

from macrohard.errors import ModelUnavailable, TransientModelError
from macrohard.models.base import Completion, JsonSchema, Message, Model, Usage


class Retrying:
    """Retries transient failures with exponential backoff and jitter, then gives up clearly."""

    def __init__(
        self,
        model: Model,
        attempts: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.name = model.name
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep

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
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return self.model.complete(
                    messages,
                    schema=schema,
                    temperature=temperature,
                    max_tokens=max_tokens,
                    seed=seed,
                    stop=stop,
                )
            except TransientModelError as exc:
                if attempt == self.attempts:
                    raise ModelUnavailable(
                        f"{self.name}: still failing after {self.attempts} attempts ({exc}); "
                        "check the endpoint's status or try again later"
                    ) from exc
                self._sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto
                delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")  # pragma: no cover


class Metered:
    """Adds up the usage of every call made through it (thread-safe)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.name = model.name
        self.usage = Usage()
        self._lock = threading.Lock()

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
        completion = self.model.complete(
            messages,
            schema=schema,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            stop=stop,
        )
        with self._lock:
            self.usage = self.usage + completion.usage
        return completion
