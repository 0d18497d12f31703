"""Sandboxes: where generated code runs, and only there."""

from macrohard.sandbox.base import TIMEOUT_EXIT, ExecResult, Limits, Sandbox, scratch_dir
from macrohard.sandbox.local import LocalSandbox


def default_sandbox() -> Sandbox:
    """The strongest backend available on this machine."""
    return LocalSandbox()


__all__ = [
    "TIMEOUT_EXIT",
    "ExecResult",
    "Limits",
    "LocalSandbox",
    "Sandbox",
    "default_sandbox",
    "scratch_dir",
]
