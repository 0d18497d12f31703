"""The company: roles following a workflow turn a request into a tested, versioned project."""

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
