"""Choose a model by a spec string.

    embedded                           the default pack (Qwen2.5-Coder-1.5B-Instruct)
    embedded:qwen2.5-coder-0.5b        a named pack (aliases: default, small, 1.5b, 0.5b)
    embedded:/path/to/model.gguf       any local GGUF file
    openai:gpt-4o                      OpenAI (key from OPENAI_API_KEY)
    openai:http://127.0.0.1:8080/v1#qwen   any OpenAI-compatible server: base URL, then #model
    anthropic:claude-sonnet-4-5        Anthropic (key from ANTHROPIC_API_KEY)
    scripted:answers.json              replay a JSON list of answers (demos and tests)

With $MACROHARD_TRANSCRIPT set to a file, every call is appended to it as a JSON line (messages,
reply, tokens, seconds).

Backends are plugins of the `macrohard.models` entry-point group, named by prefix (the built-ins
below are declared in pyproject.toml like any plugin's); `register_backend` adds one from code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from macrohard import plugins
from macrohard.errors import ModelSpecError
from macrohard.models.base import Model
from macrohard.models.wrappers import Recorded, Retrying

DEFAULT_SPEC = "embedded:qwen2.5-coder-1.5b"
SMALL_SPEC = "embedded:qwen2.5-coder-0.5b"

Factory = Callable[[str, dict[str, Any]], Model]


def register_backend(prefix: str, factory: Factory) -> None:
    plugins.register("models", prefix, factory)


def default_spec() -> str:
    return os.environ.get("MACROHARD_MODEL") or DEFAULT_SPEC


def embedded_backend(rest: str, options: dict[str, Any]) -> Model:
    from macrohard.models.embedded import EmbeddedModel
    from macrohard.models.service import shared_model

    name = rest or "qwen2.5-coder-1.5b"
    # a shared model service serving this model (started by Macrohard for concurrent builds):
    # call it instead of loading another copy of the weights
    shared = None if options else shared_model(f"embedded:{name}")
    return shared or EmbeddedModel(name, **options)


def openai_backend(rest: str, options: dict[str, Any]) -> Model:
    from macrohard.models.openai_compat import OpenAIModel

    base_url = None
    if rest.startswith(("http://", "https://")):
        base_url, sep, rest = rest.partition("#")
        if not sep or not rest:
            raise ModelSpecError(
                f"openai spec with a URL needs '#MODEL' at the end, e.g. "
                f"openai:{base_url}#qwen2.5-coder"
            )
    if not rest:
        raise ModelSpecError("openai spec needs a model name, e.g. openai:gpt-4o")
    return Retrying(OpenAIModel(rest, base_url=base_url, **options))


def anthropic_backend(rest: str, options: dict[str, Any]) -> Model:
    from macrohard.models.anthropic_model import AnthropicModel

    if not rest:
        raise ModelSpecError("anthropic spec needs a model name, e.g. anthropic:claude-sonnet-4-5")
    return Retrying(AnthropicModel(rest, **options))


def scripted_backend(rest: str, options: dict[str, Any]) -> Model:
    from macrohard.models.scripted import ScriptedModel

    path = Path(rest)
    try:
        answers = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelSpecError(
            f"scripted:{rest}: cannot read a JSON list of answers ({exc})"
        ) from exc
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ModelSpecError(f"scripted:{rest}: the file must hold a JSON list of strings")
    return ScriptedModel(answers, name=f"scripted:{path.name}")


def get_model(spec: str | None = None, **options: Any) -> Model:
    """Build the model a spec names (None: $MACROHARD_MODEL or the embedded default)."""
    spec = (spec or default_spec()).strip()
    prefix, _, rest = spec.partition(":")
    factory: Factory | None = plugins.find("models", prefix)
    if factory is None:
        known = ", ".join(plugins.names("models"))
        raise ModelSpecError(
            f"unknown model backend {prefix!r} in spec {spec!r}; use one of: {known} "
            f"(e.g. {DEFAULT_SPEC})"
        )
    model: Model = plugins.call("models", prefix, factory, rest, options)
    if transcript := os.environ.get("MACROHARD_TRANSCRIPT"):
        path = Path(transcript).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        model = Recorded(model, path)
    return model
