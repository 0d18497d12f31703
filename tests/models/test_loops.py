"""The loop guard ends a generation that repeats itself, and nothing else."""

from __future__ import annotations

import pytest

from macrohard.models.loops import LoopGuard, looping

np = pytest.importorskip("numpy")  # llama-cpp-python's; the guard works on its score arrays

LINE = list(range(100, 112))  # one line of code: 12 tokens


def test_a_run_repeated_four_times_at_the_end_is_a_loop() -> None:
    assert looping([1, 2, 3] + LINE * 4)
    assert not looping([1, 2, 3] + LINE * 3)  # three equal lines can be real code
    assert not looping(LINE * 3 + [7] + LINE)  # not in a row
    assert not looping([0] * 30)  # a run shorter than MIN_PERIOD ("0, 0, 0")
    assert not looping(list(range(500)))
    assert not looping([])


def test_the_guard_leaves_only_the_end_token_once_the_output_loops() -> None:
    end, vocab = 5, 50
    guard = LoopGuard(end)
    prompt = list(range(20, 40))
    scores = np.zeros(vocab, dtype=np.float32)
    assert guard(np.array(prompt), scores.copy()).tolist() == scores.tolist()
    output = prompt + [30 + (i % 9) for i in range(9 * 4)]  # a 9-token run, four times
    forced = guard(np.array(output), np.arange(vocab, dtype=np.float32))
    assert forced[end] == end and np.isinf(forced[np.arange(vocab) != end]).all()
    assert guard.fired


def test_the_prompt_never_counts_as_a_loop() -> None:
    """A prompt that repeats itself (a file of similar lines) leaves the guard alone."""
    guard = LoopGuard(0)
    looped_prompt = [1, 2] + LINE * 6
    scores = np.ones(8, dtype=np.float32)
    assert guard(np.array(looped_prompt), scores.copy()).tolist() == scores.tolist()
    assert guard(np.array([*looped_prompt, 3]), scores.copy()).tolist() == scores.tolist()
    assert not guard.fired
