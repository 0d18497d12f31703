"""Macrohard: an open, self-hostable AI software company.

The public surface: models (one interface, many backends), sandboxes, and synthesis. Only the
exceptions load eagerly; the rest loads on first use (PEP 562), so importing one standard-library
module of the package does not need every dependency.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import macrohard._compat  # noqa: F401  (CPython workarounds; see the module)
from macrohard.errors import MacrohardError, UserError

if TYPE_CHECKING:
    from macrohard.models import Model, ScriptedModel, get_model
    from macrohard.sandbox import Limits, LocalSandbox, Sandbox
    from macrohard.synth import Solution, Task, synthesize

__version__ = "0.1.0"

_FROM = {
    **dict.fromkeys(("Model", "ScriptedModel", "get_model"), "macrohard.models"),
    **dict.fromkeys(("Limits", "LocalSandbox", "Sandbox"), "macrohard.sandbox"),
    **dict.fromkeys(("Solution", "Task", "synthesize"), "macrohard.synth"),
}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_FROM[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "Limits",
    "LocalSandbox",
    "MacrohardError",
    "Model",
    "Sandbox",
    "ScriptedModel",
    "Solution",
    "Task",
    "UserError",
    "__version__",
    "get_model",
    "synthesize",
]
