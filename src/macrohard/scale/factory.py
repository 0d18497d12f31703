"""Executors by name, as the command line and configuration give them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from macrohard.errors import UserError
from macrohard.scale.base import Executor
from macrohard.scale.job import ModelFactory

EXECUTORS = ("local", "ray")


def executor_for(name: str, workers: int = 2, env: Mapping[str, str] | None = None) -> Executor:
    """The executor called `name`, running `workers` builds at once. Ray is imported only when
    asked for, so the local executor works without the optional extra. `env` is set in the
    builds' processes (local builds run in this one and need none)."""
    if name == "local":
        from macrohard.scale.local import LocalExecutor

        return LocalExecutor(workers)
    if name == "ray":
        from macrohard.scale.ray_executor import RayExecutor

        return RayExecutor(workers, env=env)
    raise UserError(f"unknown executor {name!r}; use one of: {', '.join(EXECUTORS)}")


@contextmanager
def shared_model(
    executor: str, model: str | ModelFactory, workers: int = 1
) -> Iterator[dict[str, str] | None]:
    """For builds in other processes (Ray workers) of an embedded model: one `ModelService`
    for all of them, and the environment that points their `get_model` at it. Local builds
    share the process's one loaded model already; remote models need no sharing.

    Slots: one per concurrent build up to one per core (each slot gets cores/slots threads).
    Measured on 2 cores with 2+ builds at once: 2 slots of 1 thread 35.8 tok/s against 28.6 for
    one slot of 2 threads (docs/benchmarks.md, "Shared model service")."""
    if executor == "local" or not isinstance(model, str) or not model.startswith("embedded"):
        yield None
        return
    from macrohard.models.embedded import default_threads
    from macrohard.models.registry import DEFAULT_SPEC
    from macrohard.models.service import ModelService

    name = model.partition(":")[2] or DEFAULT_SPEC.partition(":")[2]
    slots = max(1, min(workers, default_threads()))
    with ModelService(f"embedded:{name}", slots=slots) as service:
        yield service.env
