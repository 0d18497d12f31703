"""Sandboxes: where generated code runs, and only there.

`default_sandbox()` is bubblewrap (`BwrapSandbox`). Without it Macrohard refuses to run generated
code, unless the user opts into the `local` backend (rlimits only, no isolation) with
`unsafe_local=True` (`--unsafe-local`) or MACROHARD_UNSAFE_LOCAL=1; that sandbox is named
"local (unsafe)" so reports show it.
"""

from __future__ import annotations

import logging
import os

from macrohard.errors import SandboxError
from macrohard.sandbox.base import TIMEOUT_EXIT, ExecResult, Limits, Sandbox, scratch_dir
from macrohard.sandbox.bwrap import INSTALL_HINT, BwrapSandbox, unavailable
from macrohard.sandbox.local import LocalSandbox

log = logging.getLogger(__name__)

UNSAFE_ENV = "MACROHARD_UNSAFE_LOCAL"
UNSAFE_NAME = "local (unsafe)"


def unsafe_requested() -> bool:
    return os.environ.get(UNSAFE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def unsafe_local_sandbox() -> LocalSandbox:
    """The local backend, labelled unsafe, with a warning: generated code runs unisolated."""
    log.warning(
        "running generated code WITHOUT isolation (local sandbox: rlimits and timeouts only); "
        "it can read your files and use the network. %s",
        INSTALL_HINT,
    )
    sandbox = LocalSandbox()
    sandbox.name = UNSAFE_NAME
    return sandbox


def default_sandbox(unsafe_local: bool = False) -> Sandbox:
    """Bubblewrap where it works (probed once); otherwise a SandboxError, unless unsafe is asked."""
    if unsafe_local or unsafe_requested():
        return unsafe_local_sandbox()
    reason = unavailable()
    if reason is not None:
        raise SandboxError(
            f"{reason}. Generated code runs only inside the bubblewrap sandbox; {INSTALL_HINT}. "
            f"To run it without isolation anyway (unsafe), pass --unsafe-local or set "
            f"{UNSAFE_ENV}=1."
        )
    return BwrapSandbox()


__all__ = [
    "TIMEOUT_EXIT",
    "UNSAFE_ENV",
    "BwrapSandbox",
    "ExecResult",
    "Limits",
    "LocalSandbox",
    "Sandbox",
    "default_sandbox",
    "scratch_dir",
]
