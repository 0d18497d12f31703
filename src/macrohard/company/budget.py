"""Budgets: a run that reaches its token or time limit stops cleanly with BudgetExceeded.

A cancel flag (a threading.Event another thread may set, or a multiprocessing one another process
may set) stops it the same way with Cancelled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from macrohard.errors import BudgetExceeded, Cancelled
from macrohard.models.base import Completion, Message, Model, Usage
from macrohard.models.wrappers import Metered


class CancelFlag(Protocol):
    """What a run needs of a cancel flag: threading.Event and multiprocessing's Event both fit."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...


class Budget:
    """Token and wall-clock limits for one run; `spent` may start above zero on resume."""

    def __init__(
        self,
        max_tokens: int | None = None,
        max_minutes: float | None = None,
        spent_tokens: int = 0,
        cancel: CancelFlag | None = None,
    ) -> None:
        self.max_tokens = max_tokens
        self.cancel = cancel
        self.deadline = time.monotonic() + max_minutes * 60 if max_minutes else None
        self.max_minutes = max_minutes
        self.spent_tokens = spent_tokens

    def check_cancelled(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("cancelled on request")

    def check(self) -> None:
        self.check_cancelled()
        if self.max_tokens is not None and self.spent_tokens >= self.max_tokens:
            raise BudgetExceeded(
                f"token budget spent: {self.spent_tokens:,} of {self.max_tokens:,} tokens"
            )
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise BudgetExceeded(f"time budget spent: {self.max_minutes:g} minutes")

    def seconds_left(self) -> float | None:
        """Wall-clock seconds before the deadline (None without a time limit)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def add(self, usage: Usage) -> None:
        self.spent_tokens += usage.total_tokens


class BudgetedModel(Metered):
    """Checks the budget before every call; counts each call's usage for the run and the phase."""

    def __init__(
        self, model: Model, budget: Budget, on_call: Callable[[Usage], None] | None = None
    ) -> None:
        super().__init__(model)
        self.budget = budget
        self.phase_usage = Usage()
        self.on_call = on_call

    def call(self, messages: Sequence[Message], options: dict[str, Any]) -> Completion:
        self.budget.check()
        options = {**options, "max_tokens": self._tokens_that_fit(int(options["max_tokens"]))}
        completion = super().call(messages, options)
        with self._lock:
            self.budget.add(completion.usage)
            self.phase_usage = self.phase_usage + completion.usage
        if self.on_call is not None:
            self.on_call(completion.usage)
        return completion

    def _tokens_that_fit(self, wanted: int) -> int:
        """No call may run far past the deadline: cap its length at what this run's measured
        pace (seconds per generated token, prompt reading included) fits in the time left."""
        left = self.budget.seconds_left()
        with self._lock:
            done = self.usage
        if left is None or done.completion_tokens < 200 or done.seconds <= 0:
            return wanted
        fit = int(left / (done.seconds / done.completion_tokens))
        if fit < 16:
            raise BudgetExceeded(f"time budget spent: {self.budget.max_minutes:g} minutes")
        return min(wanted, fit)

    def take_phase_usage(self) -> Usage:
        with self._lock:
            usage, self.phase_usage = self.phase_usage, Usage()
        return usage
