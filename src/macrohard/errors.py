"""One exception hierarchy for Macrohard.

Every error a user can meet carries a message that says what was wrong and what to do.
Vendor exceptions (openai, anthropic, llama.cpp, OS errors) are mapped to these at the boundary.

    MacrohardError
    ├── UserError                 bad input or configuration: fix the call and try again
    │   ├── ModelSpecError        a model spec string that cannot be parsed or resolved
    │   ├── QuotaExceeded         a tenant's quota is spent: retry after `retry_after` seconds
    │   └── PluginError           a plugin failed to load or is ambiguous (names it and its package)
    ├── ModelError                a model backend failed
    │   ├── ModelUnavailable      endpoint unreachable, runtime or optional extra missing
    │   ├── ModelPackError        embedded weights missing or failing their checksum
    │   ├── TransientModelError   rate limit, timeout, 5xx: worth a retry
    │   └── ScriptExhausted       the ScriptedModel ran out of answers (a test bug)
    ├── SandboxError              the sandbox could not run a command at all
    ├── SynthesisError            no acceptable code could be produced
    ├── EditError                 a model's edit does not apply to the file (says where it missed)
    ├── BudgetExceeded            a token or time budget ran out
    └── Cancelled                 a run was cancelled on request (it stops between model calls)
"""

from __future__ import annotations


class MacrohardError(Exception):
    """Base of every error Macrohard raises on purpose."""


class UserError(MacrohardError):
    """The input or the configuration is wrong; the message says how to fix it."""


class ModelSpecError(UserError):
    """A model spec string could not be parsed or resolved."""


class QuotaExceeded(UserError):
    """A tenant asked for more than its quota allows; `retry_after` says when to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PluginError(UserError):
    """A plugin could not be loaded or used; the message names it and its distribution."""


class ModelError(MacrohardError):
    """A model backend failed."""


class ModelUnavailable(ModelError):
    """The model cannot be reached or loaded (endpoint down, runtime not installed)."""


class ModelPackError(ModelError):
    """Embedded model weights are missing or corrupt."""


class TransientModelError(ModelError):
    """A failure that may go away on retry (rate limit, timeout, server error)."""


class ScriptExhausted(ModelError):
    """A ScriptedModel was asked for more answers than it was given."""


class SandboxError(MacrohardError):
    """The sandbox could not start or manage a command."""


class SynthesisError(MacrohardError):
    """No acceptable code could be produced."""


class EditError(MacrohardError):
    """A model's edit could not be applied; the message says which part missed and what the file
    holds there, so it can go back to the model as a retry."""


class BudgetExceeded(MacrohardError):
    """A token or time budget ran out."""


class Cancelled(MacrohardError):
    """Someone asked the run to stop; it stopped cleanly between model calls or phases."""


__all__ = [
    "BudgetExceeded",
    "Cancelled",
    "EditError",
    "MacrohardError",
    "ModelError",
    "ModelPackError",
    "ModelSpecError",
    "ModelUnavailable",
    "PluginError",
    "QuotaExceeded",
    "SandboxError",
    "ScriptExhausted",
    "SynthesisError",
    "TransientModelError",
    "UserError",
]
