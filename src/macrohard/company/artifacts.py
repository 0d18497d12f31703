"""What the roles hand each other: the Spec (PM), the Design (architect), and the contract pieces.

Pydantic models give us validation of model output and the JSON schemas that constrain it.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

_PATH_RE = re.compile(r"^[A-Za-z_][\w\-/]*\.py$")


def check_path(path: str) -> str:
    """A project-relative .py path: no absolute paths, no `..`, no hidden directories."""
    path = path.strip().lstrip("./") if path.startswith("./") else path.strip()
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not _PATH_RE.match(path):
        raise ValueError(f"not a safe project-relative Python file path: {path!r}")
    return path


class FunctionContract(BaseModel):
    name: str
    signature: str = Field(
        description="exact Python signature, e.g. 'def add(a: int, b: int) -> int'"
    )
    description: str = ""

    @model_validator(mode="after")
    def _complete_signature(self) -> FunctionContract:
        """Small models write `(other)` or `property` for a signature: make it say what it is."""
        sig, name = self.signature.strip(), self.name.strip()
        if sig.startswith(("def ", "class ", "async def ")) or not name.isidentifier():
            return self
        if name[0].isupper():
            self.signature = f"class {name}" + (f"  # {name}{sig}" if sig.startswith("(") else "")
        elif sig.startswith("("):
            self.signature = f"def {name}{sig}"
        else:
            self.signature = f"{name}  # {sig}" if sig and sig != name else name
        return self


class FileContract(BaseModel):
    path: str
    purpose: str = ""
    functions: list[FunctionContract] = Field(default_factory=list)
    cli_usage: str = Field(default="", description="command-line usage if this file is a CLI")

    @field_validator("path")
    @classmethod
    def _safe_path(cls, value: str) -> str:
        return check_path(value)


class SpecDraft(BaseModel):
    """What the product manager's model writes: the Spec without its examples."""

    summary: str
    user_stories: list[str] = Field(default_factory=list)
    acceptance_criteria: list[str] = Field(default_factory=list)
    files: list[FileContract] = Field(default_factory=list)

    @field_validator(
        "user_stories", "acceptance_criteria", "examples", mode="before", check_fields=False
    )
    @classmethod
    def _as_lines(cls, value: Any) -> Any:
        """Small models write {"input": ..., "output": ...} where a line of text was asked."""
        if isinstance(value, list):
            return [v if isinstance(v, str) else json.dumps(v) for v in value]
        return value


class Spec(SpecDraft):
    """The product manager's output: what to build, and the interface contract the tests rely on.
    Its examples are the client's own, read from the request."""

    examples: list[str] = Field(default_factory=list, description="concrete usage examples")
    from_request: bool = Field(
        default=False, description="taken from a request that fixes its interface, no model"
    )

    def contract_text(self) -> str:
        """The interface as the engineers and QA read it."""
        lines = [f"Summary: {self.summary}"]
        for f in self.files:
            lines.append(f"\nFile {f.path}: {f.purpose}".rstrip())
            for fn in f.functions:
                lines.append(f"  {fn.signature}  # {fn.description}".rstrip(" #"))
            if f.cli_usage:
                lines.append(f"  CLI usage: {f.cli_usage}")
        if self.acceptance_criteria:
            lines.append("\nAcceptance criteria:")
            lines += [f"- {c}" for c in self.acceptance_criteria]
        if self.examples:
            lines.append("\nExamples:")
            lines += [f"- {e}" for e in self.examples]
        return "\n".join(lines)


class FilePlan(BaseModel):
    path: str
    purpose: str = ""
    public_api: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(
        default_factory=list, description="other project files it imports"
    )

    @field_validator("path")
    @classmethod
    def _safe_path(cls, value: str) -> str:
        return check_path(value)


class Design(BaseModel):
    """The architect's output: the file plan, dependencies, and the test plan."""

    files: list[FilePlan]
    dependencies: list[str] = Field(
        default_factory=list, description="third-party packages; none = stdlib"
    )
    test_plan: list[str] = Field(default_factory=list)

    def order(self) -> list[list[FilePlan]]:
        """Files in dependency waves: each wave depends only on earlier ones (parallel inside)."""
        remaining = {f.path: f for f in self.files}
        waves: list[list[FilePlan]] = []
        while remaining:
            wave = [
                f for f in remaining.values() if not (set(f.depends_on) - {f.path}) & set(remaining)
            ]
            wave = wave or list(remaining.values())  # a cycle: build the rest together
            waves.append(wave)
            for f in wave:
                remaining.pop(f.path)
        return waves
