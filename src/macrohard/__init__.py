"""Macrohard: an open, self-hostable AI software company.

The public surface: models (one interface, many backends), sandboxes, and synthesis.
"""

from macrohard.errors import MacrohardError, UserError
from macrohard.models import Model, ScriptedModel, get_model
from macrohard.sandbox import Limits, LocalSandbox, Sandbox
from macrohard.synth import Solution, Task, synthesize

__version__ = "0.1.0"

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
