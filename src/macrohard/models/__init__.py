"""Models: one interface, several backends, chosen by a spec string."""

from macrohard.models.base import (
    Completion,
    Message,
    Model,
    Request,
    Usage,
    assistant,
    system,
    user,
)
from macrohard.models.registry import DEFAULT_SPEC, SMALL_SPEC, get_model, register_backend
from macrohard.models.scripted import Cut, FunctionModel, ScriptedModel
from macrohard.models.wrappers import Metered, Retrying

__all__ = [
    "DEFAULT_SPEC",
    "SMALL_SPEC",
    "Completion",
    "Cut",
    "FunctionModel",
    "Message",
    "Metered",
    "Model",
    "Request",
    "Retrying",
    "ScriptedModel",
    "Usage",
    "assistant",
    "get_model",
    "register_backend",
    "system",
    "user",
]
