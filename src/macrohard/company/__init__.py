"""The company: roles following a workflow turn a request into a tested, versioned project.

The names below load on first use (PEP 562), so a standard-library-only module such as
`macrohard.company.splice` imports without the company's dependencies (a sandbox's plain
Python runs its tests).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from macrohard.company.artifacts import Design, FileContract, FilePlan, FunctionContract, Spec
    from macrohard.company.runner import Company, Outcome
    from macrohard.company.workflow import (
        DEFAULT_WORKFLOW,
        ROLES,
        Phase,
        load_workflow,
        named_workflow,
        register_role,
        resolve_workflow,
    )

_FROM = {
    **dict.fromkeys(
        ("Design", "FileContract", "FilePlan", "FunctionContract", "Spec"), "artifacts"
    ),
    **dict.fromkeys(("Company", "Outcome"), "runner"),
    **dict.fromkeys(
        (
            "DEFAULT_WORKFLOW",
            "ROLES",
            "Phase",
            "load_workflow",
            "named_workflow",
            "register_role",
            "resolve_workflow",
        ),
        "workflow",
    ),
}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_FROM[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_WORKFLOW",
    "ROLES",
    "Company",
    "Design",
    "FileContract",
    "FilePlan",
    "FunctionContract",
    "Outcome",
    "Phase",
    "Spec",
    "load_workflow",
    "named_workflow",
    "register_role",
    "resolve_workflow",
]
