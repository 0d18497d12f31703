"""The SOP as data: an ordered list of phases, each done by a role. Users can define their own.

# my-company.toml
[[phase]]
name = "spec"
role = "pm"
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from macrohard.company.context import Context, PhaseResult
from macrohard.company.roles import (
    QA,
    Architect,
    Engineer,
    ProductManager,
    Release,
    Reviewer,
    Verifier,
)
from macrohard.errors import UserError


class Role(Protocol):
    role: str  # the git identity its commits carry

    def run(self, ctx: Context) -> PhaseResult: ...


ROLES: dict[str, Callable[[], Role]] = {
    "pm": ProductManager,
    "architect": Architect,
    "qa": QA,
    "engineer": Engineer,
    "verifier": Verifier,
    "reviewer": Reviewer,
    "release": Release,
}


def register_role(key: str, factory: Callable[[], Role]) -> None:
    ROLES[key] = factory


@dataclass(frozen=True)
class Phase:
    name: str
    role: str


DEFAULT_WORKFLOW: tuple[Phase, ...] = (
    Phase("spec", "pm"),
    Phase("design", "architect"),
    Phase("tests", "qa"),
    Phase("code", "engineer"),
    Phase("verify", "verifier"),
    Phase("review", "reviewer"),
    Phase("release", "release"),
)


def load_workflow(path: Path) -> tuple[Phase, ...]:
    """A workflow from a TOML file of [[phase]] tables; every role must be known."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read workflow {path}: {exc}") from exc
    phases = tuple(
        Phase(str(p.get("name", "")), str(p.get("role", ""))) for p in data.get("phase", [])
    )
    if not phases:
        raise UserError(f"workflow {path} has no [[phase]] entries")
    for phase in phases:
        if not phase.name or phase.role not in ROLES:
            raise UserError(
                f"workflow {path}: phase {phase.name!r} has unknown role {phase.role!r}; "
                f"known roles: {', '.join(ROLES)}"
            )
    if len({p.name for p in phases}) != len(phases):
        raise UserError(f"workflow {path}: phase names must be unique")
    return phases
