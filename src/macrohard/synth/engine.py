"""The synthesis engine: ask the model, extract code, check it in the sandbox.

Strategies (see strategies.py) decide how many candidates to ask for and which one to keep; the
engine does the per-candidate work and keeps the accounts (tokens, seconds, candidates).
"""

from __future__ import annotations

import ast
import json
import time
from dataclasses import dataclass, field

from macrohard.errors import ModelError
from macrohard.models.base import Message, Model, Usage, assistant
from macrohard.sandbox import Sandbox
from macrohard.synth.check import CheckResult, run_checks
from macrohard.synth.extract import extract_code, merge_with_header
from macrohard.synth.prompts import TESTS_SCHEMA, code_request, tests_request
from macrohard.synth.task import Task

#: top-level lines after the function that mean the model moved on to prose, tests or demos
CODE_STOPS = ("\n```", "\nif __name__", "\n# Test", "\n# Example", "\nprint(", "\nassert ")


@dataclass
class Candidate:
    origin: str
    reply: str
    program: str | None
    result: CheckResult | None = None

    @property
    def passes_examples(self) -> bool:
        return self.result is not None and self.result.all_passed

    @property
    def score(self) -> int:
        return self.result.n_passed if self.result else -1


@dataclass
class Solution:
    task: Task
    strategy: str
    code: str | None
    verified: bool
    candidates: list[Candidate] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "entry_point": self.task.entry_point,
            "strategy": self.strategy,
            "verified": self.verified,
            "examples": len(self.task.examples),
            "candidates": len(self.candidates),
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "seconds": round(self.seconds, 2),
            "notes": self.notes,
        }


class Engine:
    """Per-task workbench: one model, one sandbox, running totals."""

    def __init__(
        self,
        model: Model,
        sandbox: Sandbox,
        task: Task,
        max_tokens: int = 768,
        prefill: bool = True,
    ) -> None:
        self.model = model
        self.prefill = prefill and bool(getattr(model, "supports_prefill", False))
        self.sandbox = sandbox
        self.task = task
        self.max_tokens = max_tokens
        self.usage = Usage()
        self.candidates: list[Candidate] = []
        self.notes: list[str] = []

    def ask(
        self,
        messages: list[Message],
        *,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: tuple[str, ...] = (),
    ) -> str:
        completion = self.model.complete(
            messages, temperature=temperature, seed=seed, max_tokens=self.max_tokens, stop=stop
        )
        self.usage = self.usage + completion.usage
        return completion.text

    def candidate(
        self,
        origin: str,
        messages: list[Message] | None = None,
        *,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> Candidate:
        """One model answer turned into a checked program (or a recorded failure)."""
        prefix = ""
        stop: tuple[str, ...] = ()
        if messages is None:
            messages = code_request(self.task)
            if self.task.prompt and self.prefill:
                # continue the header instead of having the model copy it out again
                prefix = f"```python\n{self.task.prompt.rstrip()}\n"
                messages = [*messages, assistant(prefix)]
                stop = CODE_STOPS
        try:
            reply = prefix + self.ask(messages, temperature=temperature, seed=seed, stop=stop)
        except ModelError as exc:
            self.notes.append(f"{origin}: model error: {exc}")
            reply = ""
        code = extract_code(reply, self.task.entry_point)
        program = merge_with_header(self.task.prompt, code, self.task.entry_point) if code else None
        cand = Candidate(origin, reply, program)
        if program is None:
            self.notes.append(f"{origin}: no usable code in the answer")
        else:
            cand.result = run_checks(self.sandbox, program, self.task.examples)
        self.candidates.append(cand)
        return cand

    def model_tests(self, count: int = 5) -> list[str]:
        """Assertions the model writes for the task (may be wrong: used for voting only)."""
        try:
            completion = self.model.complete(
                tests_request(self.task, count), schema=TESTS_SCHEMA, max_tokens=512
            )
        except ModelError as exc:
            self.notes.append(f"tests: model error: {exc}")
            return []
        self.usage = self.usage + completion.usage
        return parse_tests(completion.text, self.task.entry_point)

    def solution(self, strategy: str, chosen: Candidate | None, started: float) -> Solution:
        return Solution(
            task=self.task,
            strategy=strategy,
            code=chosen.program if chosen else None,
            verified=bool(chosen and chosen.passes_examples and self.task.examples),
            candidates=self.candidates,
            usage=self.usage,
            seconds=time.perf_counter() - started,
            notes=self.notes,
        )


def parse_tests(text: str, entry_point: str) -> list[str]:
    """Valid single-line assertions that call the function, from JSON or from plain lines."""
    try:
        data = json.loads(text)
        lines = data.get("tests", []) if isinstance(data, dict) else []
    except ValueError:
        lines = text.splitlines()
    tests = []
    for line in lines:
        if not isinstance(line, str):
            continue
        line = line.strip()
        if not line.startswith("assert") or f"{entry_point}(" not in line:
            continue
        try:
            tree = ast.parse(line)
        except SyntaxError:
            continue
        if len(tree.body) == 1 and isinstance(tree.body[0], ast.Assert):
            tests.append(line)
    return list(dict.fromkeys(tests))
