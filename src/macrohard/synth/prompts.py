"""The few prompts synthesis uses: short, one function at a time."""

from __future__ import annotations

from macrohard.models.base import Message, assistant, user
from macrohard.synth.task import Task


def code_request(task: Task) -> list[Message]:
    if task.prompt:
        text = (
            "Please provide a self-contained Python script that solves the following problem "
            f"in a markdown code block:\n```python\n{task.prompt.strip()}\n```"
        )
    else:
        text = f"{task.description.strip()}\n\nWrite a Python function named `{task.entry_point}`."
        if task.examples:
            text += " Your code should pass these tests:\n```python\n"
            text += "\n".join(task.examples) + "\n```"
        text += "\nReply with the complete code in one ```python code block."
    return [user(text)]


def repair_request(task: Task, previous_reply: str, failures: list[str]) -> list[Message]:
    shown = "\n".join(f"- {f}" for f in failures[:5])
    return [
        *code_request(task),
        assistant(previous_reply),
        user(
            f"The code is wrong. These checks fail:\n{shown}\n"
            "Find the mistake and reply with the complete corrected code in one ```python block."
        ),
    ]


TESTS_SCHEMA = {
    "type": "object",
    "properties": {
        "tests": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 8},
    },
    "required": ["tests"],
}


def tests_request(task: Task, count: int = 5) -> list[Message]:
    return [
        user(
            f"{task.description.strip()}\n\nWrite {count} test cases for the Python function "
            f"`{task.entry_point}`. Each test is one line: `assert {task.entry_point}(...) == "
            "expected` with concrete arguments and the exact expected result. Cover normal and "
            'edge cases. Answer in JSON: {"tests": ["assert ...", ...]}'
        )
    ]
