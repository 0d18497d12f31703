"""How one API server is configured: where its state lives, which models tenants may name, limits.

Everything a test or an embedding program may want to swap (the model factory, the sandbox, the
workflow) is a field here, so `create_app(settings)` needs no globals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from macrohard.company.workflow import DEFAULT_WORKFLOW, Phase
from macrohard.gates import DEFAULT_GATES, Gate
from macrohard.models import Model, get_model
from macrohard.models.registry import default_spec
from macrohard.sandbox import Sandbox

#: the largest request body accepted, in bytes (a request text is at most 20,000 characters)
MAX_BODY_BYTES = 256 * 1024


@dataclass
class Settings:
    """The server's configuration. `allowed_models` empty means: only `default_model`."""

    data_dir: Path
    default_model: str = field(default_factory=default_spec)
    allowed_models: tuple[str, ...] = ()
    max_concurrent: int = 2
    max_minutes: float | None = 60.0
    max_body_bytes: int = MAX_BODY_BYTES
    unsafe_local: bool = False
    #: turns an allowed spec into a model; the CLI uses the registry, tests a scripted company
    model_factory: Callable[[str], Model] = get_model
    #: None: the default sandbox (bubblewrap, or the local one with `unsafe_local`)
    sandbox: Sandbox | None = None
    workflow: tuple[Phase, ...] = DEFAULT_WORKFLOW
    gates: tuple[Gate, ...] = DEFAULT_GATES
    #: how often an event stream looks for new events, in seconds
    poll_seconds: float = 0.2
    #: niceness of the build workers and everything they start (git, sandbox, gates), so that
    #: builds yield the CPU to the API's requests (Linux, where niceness is per thread)
    build_nice: int = 10
    #: where a build runs: a worker thread of the server ("thread": shares the embedded model's
    #: cache), or a child process of its own ("process": never holds the API's GIL; the settings
    #: must pickle, so the model factory is a module-level callable). `macrohard serve` uses
    #: "process".
    isolation: Literal["thread", "process"] = "thread"

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).expanduser().resolve()
        if not self.allowed_models:
            self.allowed_models = (self.default_model,)
        elif self.default_model not in self.allowed_models:
            self.allowed_models = (self.default_model, *self.allowed_models)
        if self.isolation not in ("thread", "process"):
            raise ValueError(f"isolation must be 'thread' or 'process', not {self.isolation!r}")
        if self.max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")

    @property
    def api_db(self) -> Path:
        return self.data_dir / "api.db"

    @property
    def journal_db(self) -> Path:
        """The journal lives here, so `MACROHARD_HOME=DIR macrohard runs|resume` sees its runs."""
        return self.data_dir / "journal.db"

    @property
    def builds_dir(self) -> Path:
        return self.data_dir / "builds"
