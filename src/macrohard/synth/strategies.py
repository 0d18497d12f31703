"""Synthesis strategies: how many answers to ask for, and which one to keep.

    single  one greedy answer
    repair  greedy, then up to k rounds that show the model its failing visible examples
    vote    greedy; if it fails the visible examples, sample more and keep the first that passes;
            with no decisive examples, pick by CodeT dual agreement on model-written tests

Only the task's own examples are ever run as tests; hidden benchmark tests never reach here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from macrohard.errors import UserError
from macrohard.models.base import Model
from macrohard.sandbox import Sandbox, default_sandbox
from macrohard.synth.check import run_checks
from macrohard.synth.engine import Candidate, Engine, Solution
from macrohard.synth.prompts import repair_request
from macrohard.synth.task import Task

SAMPLE_TEMPERATURE = 0.8
Strategy = Callable[..., Solution]


def single(engine: Engine) -> Candidate | None:
    cand = engine.candidate("greedy")
    return cand if cand.program else None


def repair(engine: Engine, rounds: int = 3) -> Candidate | None:
    """Feed failing examples back. Greedy repair tends to repeat itself, so rounds sample."""
    cand = engine.candidate("greedy")
    best = cand
    for k in range(1, rounds + 1):
        if cand.passes_examples or not engine.task.examples:
            break
        failures = cand.result.failures(engine.task.examples) if cand.result else []
        failures = failures or ["the answer held no complete Python function"]
        messages = repair_request(engine.task, cand.reply, failures)
        cand = engine.candidate(f"repair-{k}", messages, temperature=0.7, seed=k)
        if cand.score > best.score:
            best = cand
    return cand if cand.passes_examples else (best if best.program else None)


def vote(engine: Engine, samples: int = 8, tests: int = 5) -> Candidate | None:
    """Diversity plus selection by tests: what measurably works for small models."""
    greedy = engine.candidate("greedy")
    if greedy.passes_examples and engine.task.examples:
        return greedy
    seen = {greedy.program}
    for k in range(1, samples + 1):
        cand = engine.candidate(f"sample-{k}", temperature=SAMPLE_TEMPERATURE, seed=k)
        if cand.passes_examples and engine.task.examples:
            return cand
        if cand.program in seen:
            continue
        seen.add(cand.program)
    return agree(engine, tests)


def agree(engine: Engine, tests: int) -> Candidate | None:
    """CodeT dual agreement: among the candidates that pass the most visible examples, group those
    that pass the same model-written tests; score = group size x tests passed."""
    pool = [c for c in engine.candidates if c.program]
    if not pool:
        return None
    top = max(c.score for c in pool)
    pool = [c for c in pool if c.score == top]
    if len(pool) == 1:
        return pool[0]
    written = engine.model_tests(tests)
    if not written:
        return pool[0]
    groups: dict[tuple[bool, ...], list[Candidate]] = defaultdict(list)
    for cand in pool:
        assert cand.program is not None
        passed = run_checks(engine.sandbox, cand.program, written).passed
        groups[passed].append(cand)
    best = max(groups.items(), key=lambda kv: (len(kv[1]) * sum(kv[0]), -pool.index(kv[1][0])))
    engine.notes.append(
        f"agreement: {len(pool)} candidates, {len(written)} model tests, chose a group of "
        f"{len(best[1])} passing {sum(best[0])}"
    )
    return best[1][0]


STRATEGIES: dict[str, Callable[..., Candidate | None]] = {
    "single": single,
    "repair": repair,
    "vote": vote,
}
DEFAULT_STRATEGY = "vote"


def synthesize(
    task: Task,
    model: Model,
    strategy: str = DEFAULT_STRATEGY,
    sandbox: Sandbox | None = None,
    max_tokens: int = 768,
    prefill: bool = True,
    **options: Any,
) -> Solution:
    """Write the function `task` asks for; the Solution says whether the examples passed."""
    if strategy not in STRATEGIES:
        raise UserError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    started = time.perf_counter()
    engine = Engine(model, sandbox or default_sandbox(), task, max_tokens, prefill)
    chosen = STRATEGIES[strategy](engine, **options)
    return engine.solution(strategy, chosen, started)
