"""Executors by name, as the command line and configuration give them."""

from __future__ import annotations

from macrohard.errors import UserError
from macrohard.scale.base import Executor

EXECUTORS = ("local", "ray")


def executor_for(name: str, workers: int = 2) -> Executor:
    """The executor called `name`, running `workers` builds at once. Ray is imported only when
    asked for, so the local executor works without the optional extra."""
    if name == "local":
        from macrohard.scale.local import LocalExecutor

        return LocalExecutor(workers)
    if name == "ray":
        from macrohard.scale.ray_executor import RayExecutor

        return RayExecutor(workers)
    raise UserError(f"unknown executor {name!r}; use one of: {', '.join(EXECUTORS)}")
