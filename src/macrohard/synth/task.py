"""What the engine is asked to write: a function, described in words or by a signature."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from macrohard.errors import UserError
from macrohard.synth.examples import examples_from_docstring

MAX_DESCRIPTION = 20_000


@dataclass(frozen=True)
class Task:
    """One function to write.

    `prompt` is a code header (signature + docstring) when the request came as code, else "".
    `examples` are the only tests the engine may run: assertions such as ``assert f(2) == 4``.
    """

    description: str
    entry_point: str
    prompt: str = ""
    examples: tuple[str, ...] = field(default_factory=tuple)
    task_id: str = ""

    @classmethod
    def from_prompt(cls, prompt: str, entry_point: str, task_id: str = "") -> Task:
        """A signature-with-docstring prompt (HumanEval style); examples come from its docstring."""
        return cls(
            description=prompt,
            entry_point=entry_point,
            prompt=prompt,
            examples=tuple(examples_from_docstring(prompt, entry_point)),
            task_id=task_id,
        )

    @classmethod
    def from_request(cls, text: str, examples: list[str] | None = None) -> Task:
        """A plain sentence or a signature with a docstring, plus optional example assertions."""
        text = (text or "").strip()
        if not text:
            raise UserError(
                "the description is empty: say what the function should do, e.g. "
                'macrohard synth "Return the n-th Fibonacci number"'
            )
        if len(text) > MAX_DESCRIPTION:
            raise UserError(
                f"the description is {len(text):,} characters; the limit is {MAX_DESCRIPTION:,}. "
                "Describe one function, not a whole program"
            )
        checked = [_check_example(e) for e in examples or []]
        header_name = _defined_function(text)
        if header_name:
            found = examples_from_docstring(text, header_name)
            return cls(
                text, header_name, prompt=text, examples=tuple(dict.fromkeys(checked + found))
            )
        name = _called_function(checked) or _name_from_text(text)
        return cls(text, name, examples=tuple(checked))


def _check_example(example: str) -> str:
    example = example.strip()
    if not example.startswith("assert"):
        example = f"assert {example}"
    try:
        tree = ast.parse(example)
    except SyntaxError as exc:
        raise UserError(
            f"example {example!r} is not valid Python ({exc.msg}); write it like 'assert f(2) == 4'"
        ) from exc
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        raise UserError(f"example {example!r} must be a single assert statement")
    return example


def _defined_function(text: str) -> str | None:
    """The last top-level function a code header defines, if the text is code."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    return names[-1] if names else None


def _called_function(examples: list[str]) -> str | None:
    for example in examples:
        for node in ast.walk(ast.parse(example)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                return node.func.id
    return None


_STOP = {
    "a",
    "an",
    "the",
    "to",
    "of",
    "that",
    "which",
    "write",
    "function",
    "python",
    "and",
    "for",
    "in",
    "given",
    "return",
    "returns",
    "create",
    "implement",
    "from",
    "with",
    "list",
}


def _name_from_text(text: str) -> str:
    """A snake_case name from the description when nothing names the function."""
    named = re.search(r"(?:function|def)\s+(?:called\s+|named\s+)?`?([A-Za-z_]\w*)`?\s*\(", text)
    if named:
        return named.group(1)
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    useful = [w for w in words if w not in _STOP][:4]
    return "_".join(useful) or "solution"
