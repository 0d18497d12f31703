"""Tools: named actions a role or an agent may take on the project it works in.

A tool is a function `fn(project: Path, **arguments) -> str` (the text goes back to the model),
with a name and a one-line description for the prompt. Plugins add tools through the
`macrohard.tools` entry-point group, as a Tool or as a plain function whose docstring's first line
is the description. The built-ins only read, and never outside the project folder.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macrohard import plugins
from macrohard.errors import PluginError, UserError

MAX_CHARS = 20_000
SKIP = {".git", ".macrohard", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"}


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    fn: Callable[..., str]

    def __call__(self, project: Path, **arguments: Any) -> str:
        return self.fn(project, **arguments)


def as_tool(name: str, obj: Any) -> Tool:
    """A Tool from a Tool or from a function (its docstring's first line describes it)."""
    if isinstance(obj, Tool):
        return obj
    if not callable(obj):
        raise PluginError(f"tool {name!r} is a {type(obj).__name__}, not a Tool or a function")
    doc = inspect.getdoc(obj) or ""
    return Tool(name, doc.splitlines()[0] if doc else name, obj)


def get_tool(name: str) -> Tool:
    obj = plugins.find("tools", name)
    if obj is None:
        raise UserError(f"unknown tool {name!r}; tools: {', '.join(plugins.names('tools'))}")
    return as_tool(name, obj)


def register_tool(tool: Tool) -> None:
    plugins.register("tools", tool.name, tool)


def _inside(project: Path, rel: str) -> Path:
    root = project.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        raise UserError(f"{rel!r} is outside the project")
    return target


def _read_file(project: Path, path: str) -> str:
    target = _inside(project, path)
    try:
        text = target.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + "\n[... truncated]"


def _list_files(project: Path) -> str:
    root = project.resolve()
    found = [
        p.relative_to(root).as_posix()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not SKIP & set(p.relative_to(root).parts)
    ]
    return "\n".join(found[:1000])


read_file = Tool("read_file", "Read a text file of the project: read_file(path)", _read_file)
list_files = Tool("list_files", "List the project's files, one relative path a line", _list_files)

__all__ = ["Tool", "as_tool", "get_tool", "list_files", "read_file", "register_tool"]
