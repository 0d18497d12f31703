"""The SOP as data: an ordered list of phases, each done by a role. Users can define their own.

# my-company.toml
[[phase]]
name = "spec"
role = "pm"

Roles and named workflows are plugins (entry-point groups `macrohard.roles` and
`macrohard.workflows`; the built-ins are declared the same way in pyproject.toml). `ROLES` is a
dict-like view of every role; `register_role` adds one from code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from macrohard import plugins
from macrohard.company.context import Context, PhaseResult
from macrohard.errors import PluginError, UserError


class Role(Protocol):
    role: str  # the git identity its commits carry

    def run(self, ctx: Context) -> PhaseResult: ...


ROLES: MutableMapping[str, Callable[[], Role]] = plugins.PluginMap("roles")


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
    return _checked(phases, f"workflow {path}")


def named_workflow(name: str) -> tuple[Phase, ...]:
    """The workflow a plugin (or the built-in `default`) registered under `name`."""
    obj = plugins.find("workflows", name)
    if obj is None:
        known = ", ".join(plugins.names("workflows"))
        raise UserError(f"no workflow named {name!r}; named workflows: {known}")
    made = plugins.call("workflows", name, obj) if callable(obj) else obj
    try:
        phases = tuple(_phase(p) for p in made)
    except (TypeError, ValueError) as exc:
        raise PluginError(f"workflow {name!r} is not a sequence of Phase: {exc}") from exc
    return _checked(phases, f"workflow {name!r}")


def resolve_workflow(value: str | Path) -> tuple[Phase, ...]:
    """A TOML file when `value` is an existing file, else a named workflow."""
    path = Path(value)
    if path.is_file() or str(value).endswith(".toml"):
        return load_workflow(path)
    return named_workflow(str(value))


def _phase(item: Any) -> Phase:
    if isinstance(item, Phase):
        return item
    name, role = item  # a (name, role) pair
    return Phase(str(name), str(role))


def _checked(phases: Iterable[Phase], where: str) -> tuple[Phase, ...]:
    phases = tuple(phases)
    if not phases:
        raise UserError(f"{where} has no [[phase]] entries")
    for phase in phases:
        if not phase.name or phase.role not in ROLES:
            raise UserError(
                f"{where}: phase {phase.name!r} has unknown role {phase.role!r}; "
                f"known roles: {', '.join(ROLES)}"
            )
    if len({p.name for p in phases}) != len(phases):
        raise UserError(f"{where}: phase names must be unique")
    return phases
