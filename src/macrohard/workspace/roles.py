"""Who signs each commit: one git identity per role of the company."""

from __future__ import annotations

from dataclasses import dataclass

from macrohard.errors import UserError


@dataclass(frozen=True, slots=True)
class Identity:
    """A git author/committer identity."""

    name: str
    email: str


ROLES: dict[str, Identity] = {
    "pm": Identity("Macrohard Product Manager", "pm@macrohard.invalid"),
    "architect": Identity("Macrohard Architect", "architect@macrohard.invalid"),
    "qa": Identity("Macrohard QA", "qa@macrohard.invalid"),
    "engineer": Identity("Macrohard Engineer", "engineer@macrohard.invalid"),
    "reviewer": Identity("Macrohard Reviewer", "reviewer@macrohard.invalid"),
    "release": Identity("Macrohard Release Manager", "release@macrohard.invalid"),
    "macrohard": Identity("Macrohard", "macrohard@macrohard.invalid"),
}


def identity(role: str) -> Identity:
    """The identity of `role`; UserError naming the known roles if there is no such role."""
    try:
        return ROLES[role]
    except KeyError:
        known = ", ".join(sorted(ROLES))
        raise UserError(f"unknown role {role!r}: expected one of {known}") from None
