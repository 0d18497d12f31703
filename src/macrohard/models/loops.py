"""End a generation that has fallen into a loop.

A small model decoding greedily sometimes repeats one line until it runs out of tokens: the
1.5B's QA file for a tic-tac-toe request went on with `assert legal_moves("XOXOXO..") == [...]`
for 1,500 tokens, three minutes of a nine-minute build, all of it thrown away. Once the same run
of tokens has come back several times in a row at the end of the output, nothing useful follows,
so the guard makes the end-of-turn token the only choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MIN_PERIOD = 8  # tokens: shorter runs repeat legitimately ("0, 0, 0, 0", blank lines)
MAX_PERIOD = 120  # tokens: about two lines of code
REPEATS = 4  # the same run this many times in a row


def looping(
    tokens: Sequence[int],
    min_period: int = MIN_PERIOD,
    max_period: int = MAX_PERIOD,
    repeats: int = REPEATS,
) -> bool:
    """Whether `tokens` ends with one run of `min_period` to `max_period` tokens repeated
    `repeats` times in a row."""
    n = len(tokens)
    if n < min_period * repeats:
        return False
    last = tokens[-1]
    for period in range(min_period, min(max_period, n // repeats) + 1):
        if tokens[n - 1 - period] != last:
            continue
        tail = list(tokens[n - period :])
        if all(
            list(tokens[n - (k + 1) * period : n - k * period]) == tail for k in range(1, repeats)
        ):
            return True
    return False


class LoopGuard:
    """A llama.cpp logits processor: once the output loops, only `end` (the end-of-turn token)
    may follow. One guard per generation: it takes the first call's length as the prompt's."""

    def __init__(self, end: int) -> None:
        self.end = end
        self.prompt: int | None = None
        self.fired = False

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.prompt is None:
            self.prompt = len(input_ids)
        recent = input_ids[max(self.prompt, len(input_ids) - MAX_PERIOD * REPEATS) :]
        if self.fired or looping(recent.tolist() if hasattr(recent, "tolist") else recent):
            self.fired = True
            keep = scores[self.end]
            scores[:] = -float("inf")
            scores[self.end] = keep if keep > -float("inf") else 0.0
        return scores
