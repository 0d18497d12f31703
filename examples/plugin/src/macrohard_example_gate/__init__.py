"""A Macrohard gate plugin: fail when Python files still carry TODO/FIXME comments.

Registered in pyproject.toml as `todo = "macrohard_example_gate:todo_gate"` in the
`macrohard.gates` entry-point group; a project turns it on with `enabled = [..., "todo"]`.
"""

from __future__ import annotations

import io
import re
import time
import tokenize
from collections.abc import Iterator, Sequence
from pathlib import Path

from macrohard.errors import UserError
from macrohard.gates import Finding, GateResult
from macrohard.gates.policy import Policy
from macrohard.sandbox import Sandbox

DEFAULT_MARKERS = ("TODO", "FIXME", "XXX")
SKIP = {".git", ".macrohard", ".venv", "venv", "build", "dist", "__pycache__"}


class TodoGate:
    """Reads every .py file of the project and reports each marker comment as a finding."""

    name = "todo"

    def __init__(self, markers: Sequence[str] = DEFAULT_MARKERS) -> None:
        self.markers = tuple(markers)
        self.pattern = re.compile(r"\b(" + "|".join(map(re.escape, self.markers)) + r")\b")

    def check(self, project: Path, sandbox: Sandbox) -> GateResult:
        started = time.perf_counter()
        findings = [
            Finding(f"{marker} left in the code: {text}", path, line, "error")
            for path, line, marker, text in self._scan(project)
        ]
        files = len(list(_python_files(project)))
        summary = (
            f"{len(findings)} {'/'.join(self.markers)} comment(s) in {files} file(s)"
            if findings
            else f"no {'/'.join(self.markers)} comments in {files} file(s)"
        )
        return GateResult(
            self.name,
            "failed" if findings else "passed",
            summary,
            tuple(findings),
            time.perf_counter() - started,
        )

    def _scan(self, project: Path) -> Iterator[tuple[str, int, str, str]]:
        for path in _python_files(project):
            rel = path.relative_to(project).as_posix()
            source = path.read_text(encoding="utf-8", errors="replace")
            for line, comment in _comments(source):
                if match := self.pattern.search(comment):
                    yield rel, line, match.group(1), comment.lstrip("# ").strip()[:120]


def _python_files(project: Path) -> Iterator[Path]:
    for path in sorted(project.rglob("*.py")):
        if path.is_file() and not SKIP & set(path.relative_to(project).parts):
            yield path


def _comments(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each comment; every line when the file does not tokenize."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string
    except (tokenize.TokenError, SyntaxError):
        yield from enumerate(source.splitlines(), start=1)


def todo_gate(policy: Policy) -> TodoGate:
    """The entry point: a TodoGate with the project's `[gates.todo]` settings."""
    settings = policy.settings_of("todo")
    markers = settings.get("markers", DEFAULT_MARKERS)
    if not isinstance(markers, list | tuple) or not all(isinstance(m, str) and m for m in markers):
        raise UserError(f"gates.todo.markers must be a list of words, not {markers!r}")
    return TodoGate(markers)


__all__ = ["DEFAULT_MARKERS", "TodoGate", "todo_gate"]
