"""A FunctionModel that plays every role of a tiny build, keyed on what each prompt asks."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from macrohard.models import FunctionModel, Model, Request

REQUEST = (
    "Please build a tiny math helper library. The file must be `mathutil.py` and offer "
    "`add(a: int, b: int) -> int` (the sum) and `mul(a: int, b: int) -> int` (the product)."
)
# the same library without a file name: the product manager's model must plan the project
OPEN_REQUEST = (
    "Please build a tiny math helper library offering `add(a: int, b: int) -> int` (the sum) "
    "and `mul(a: int, b: int) -> int` (the product)."
)
# a file named, but no interface spelled out: the model writes the spec
LOOSE_REQUEST = "Please build a tiny math helper library in `mathutil.py`: add and mul integers."
SPEC = {
    "summary": "A tiny math helper library",
    "user_stories": ["As a developer I can add and multiply integers"],
    "acceptance_criteria": ["add(2, 3) == 5", "mul(2, 3) == 6"],
    "files": [
        {
            "path": "mathutil.py",
            "purpose": "math helpers",
            "functions": [
                {"name": "add", "signature": "def add(a, b)", "description": "sum"},
                {"name": "mul", "signature": "def mul(a, b)", "description": "product"},
            ],
            "cli_usage": "",
        }
    ],
    "examples": ["add(2, 3) == 5"],
}
DESIGN = {
    "files": [
        {"path": "mathutil.py", "purpose": "math helpers", "public_api": [], "depends_on": []}
    ],
    "dependencies": ["numpy"],
    "test_plan": ["unit tests for add and mul"],
}
TESTS = """```python
from mathutil import add, mul


def test_add():
    assert add(2, 3) == 5


def test_mul():
    assert mul(2, 3) == 6


def test_mul_zero():
    assert mul(0, 7) == 0


def test_add_wrong_expectation():
    assert add(1, 1) == 3
```"""
GOOD = """```python
def add(a: int, b: int) -> int:
    return a + b


def mul(a: int, b: int) -> int:
    return a * b
```"""
BUGGY = GOOD.replace("return a * b", "return a + b")


@dataclass
class Company:
    """Answers per role; `code` is a list consumed one per engineer call."""

    code: list[str] = field(default_factory=lambda: [GOOD])
    tests: str = TESTS
    spec: object = field(default_factory=lambda: SPEC)
    calls: list[str] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)  # the judge's prompts

    def answer(self, request: Request) -> str:
        text = "\n".join(m["content"] for m in request.messages)
        asked = json.dumps(request.schema) if request.schema else request.messages[-1]["content"]
        if "user_stories" in asked:
            self.calls.append("pm")
            return self.spec if isinstance(self.spec, str) else json.dumps(self.spec)
        if "test_plan" in asked:
            self.calls.append("architect")
            return json.dumps(DESIGN)
        if "failing test against its spec" in text:
            self.calls.append("judge")
            self.judged.append(request.messages[-1]["content"])
            wrong = "test" if "add(1, 1) == 3" in text.split("Failure:")[0] else "code"
            return json.dumps({"wrong": wrong, "reason": "checked by hand"})
        if "QA engineer" in text:
            self.calls.append("qa")
            return self.tests
        self.calls.append("engineer")
        return self.code.pop(0) if len(self.code) > 1 else self.code[0]

    def model(self) -> FunctionModel:
        return FunctionModel(self.answer, name="scripted-company")


@dataclass(frozen=True)
class Factory:
    """A model factory that pickles (for builds in processes of their own): a fresh scripted
    company per build, whose every answer waits `delay` seconds and, when `probe` is set, first
    appends the answering process's pid and niceness to that file."""

    delay: float = 0.0
    probe: Path | None = None

    def __call__(self, spec: str) -> Model:
        script = Company()

        def answer(request: Request) -> str:
            if self.probe is not None:
                with self.probe.open("a") as out:
                    out.write(f"{os.getpid()} {os.getpriority(os.PRIO_PROCESS, 0)}\n")
            time.sleep(self.delay)
            return script.answer(request)

        return FunctionModel(answer, name=spec)
