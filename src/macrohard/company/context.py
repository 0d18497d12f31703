"""What every role works with: the request, the project folder, the model, the sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from macrohard.company.artifacts import Spec
from macrohard.company.budget import BudgetedModel
from macrohard.errors import UserError
from macrohard.gates import DEFAULT_GATES, Gate
from macrohard.models.base import Message, system, user
from macrohard.models.structured import ask_structured
from macrohard.sandbox import Sandbox

T = TypeVar("T", bound=BaseModel)

ARTIFACTS = ".macrohard"
COMPANY = (
    "You work at Macrohard, a small software company that builds exactly what its client asks "
    "for, in Python. Keep every file name, function name, signature, CLI argument, exit code and "
    "output format the client gives exactly as written."
)


@dataclass
class PhaseResult:
    """What a role reports: a one-line summary for the commit, data for the journal."""

    summary: str
    output: dict[str, Any] = field(default_factory=dict)
    verdict: str = "ok"
    trailers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class Context:
    run_id: str
    request: str
    root: Path
    model: BudgetedModel
    sandbox: Sandbox
    gates: tuple[Gate, ...] = DEFAULT_GATES
    # None: as many as the time budget allows (up to TIMED_ROUNDS), or UNTIMED_ROUNDS without one
    repair_rounds: int | None = None
    notes: list[str] = field(default_factory=list)
    # how long the engineer took to write each file in this process (a resumed run has none):
    # a fresh candidate of the file costs about as much
    written_in: dict[str, float] = field(default_factory=dict)

    # -- files -------------------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise UserError(f"refusing to touch {rel!r}: outside the project folder")
        return target

    def write(self, rel: str, text: str) -> None:
        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".mh-tmp")
        tmp.write_text(text)
        if target.is_file() and not target.is_symlink():  # an executable stays executable
            tmp.chmod(target.stat().st_mode & 0o777)
        tmp.replace(target)

    def read(self, rel: str) -> str:
        target = self.path(rel)
        return target.read_text() if target.exists() else ""

    def save(self, name: str, artifact: BaseModel) -> None:
        self.write(f"{ARTIFACTS}/{name}.json", artifact.model_dump_json(indent=2) + "\n")

    def load(self, name: str, cls: type[T]) -> T:
        text = self.read(f"{ARTIFACTS}/{name}.json")
        if not text:
            raise UserError(f"the {name} artifact is missing from {self.root}/{ARTIFACTS}")
        return cls.model_validate_json(text)

    def brief(self, spec: Spec | None = None) -> str:
        """What every role reads first: the client's own words, then the contract (once known)."""
        head = f'Client request:\n"""\n{self.request.strip()}\n"""'
        return f"{head}\n\n{spec.contract_text()}" if spec else head

    def prompt(self, persona: str, task: str, spec: Spec | None = None) -> list[Message]:
        """The company's system prompt, the brief, then the role and its task: every call of a
        run starts with the same tokens, so the embedded model reuses their cached state instead
        of reading the request again (about a thousand tokens a call)."""
        return [system(COMPANY), user(f"{self.brief(spec)}\n\n{persona}\n\n{task}")]

    # -- model -------------------------------------------------------------------------------
    def ask(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: Sequence[str] = (),
    ) -> str:
        return self.model.complete(
            messages, max_tokens=max_tokens, temperature=temperature, seed=seed, stop=stop
        ).text

    def ask_json(
        self,
        messages: list[Message],
        cls: type[T],
        *,
        max_tokens: int = 1024,
        constrained: bool = True,
        partial: bool = False,
    ) -> T | None:
        """Validated structured output (prompted JSON, then constrained); None if both fail."""
        result, _ = ask_structured(
            self.model,
            messages,
            cls,
            max_tokens=max_tokens,
            notes=self.notes,
            constrained=constrained,
            partial=partial,
        )
        return result
