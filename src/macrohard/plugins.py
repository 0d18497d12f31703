"""Plugins: model backends, roles, gates, workflows and tools, found through entry points.

One scheme for every kind. An entry point's *name* is the name users write; its *object* is what
that name stands for:

    group                name is            object is
    macrohard.models     the spec prefix    factory(rest: str, options: dict) -> Model
    macrohard.roles      the role key       factory() -> Role (a role class is one)
    macrohard.gates      the gate name      factory(policy: Policy) -> Gate, named like the entry
    macrohard.workflows  a workflow name    a sequence of Phase, or a callable returning one
    macrohard.tools      the tool name      a Tool, or a function (its docstring describes it)

A distribution declares them in its pyproject.toml, e.g.

    [project.entry-points."macrohard.gates"]
    todo = "macrohard_example_gate:todo_gate"

Built-ins are the same: entry points of the `macrohard` distribution (its pyproject.toml), with
BUILTINS, the same table, standing in for any the installed metadata lacks (a source checkout).
A third-party entry with a built-in's name is ignored with a PluginWarning; two third-party
entries with one name are a PluginError when that name is used. `register()` (what
`register_backend` and `register_role` call) adds an object at run time and wins over both.

Loading is lazy and once: names come from metadata alone; an object is imported the first time its
name is used, or when `macrohard plugins` lists everything. A plugin that fails to import raises a
PluginError naming the plugin, its distribution and the cause, only where that plugin is used.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal, TypeVar, get_args

from macrohard.errors import MacrohardError, PluginError

Kind = Literal["models", "roles", "gates", "workflows", "tools"]
KINDS: tuple[Kind, ...] = get_args(Kind)
State = Literal["available", "loaded", "failed", "ignored", "conflict"]
DIST = "macrohard"
#: what one object of each kind is called in messages
NOUNS: dict[Kind, str] = {
    "models": "model backend",
    "roles": "role",
    "gates": "gate",
    "workflows": "workflow",
    "tools": "tool",
}

#: the built-ins, exactly as pyproject.toml declares them (a test keeps the two equal)
BUILTINS: dict[Kind, dict[str, str]] = {
    "models": {
        "embedded": "macrohard.models.registry:embedded_backend",
        "openai": "macrohard.models.registry:openai_backend",
        "anthropic": "macrohard.models.registry:anthropic_backend",
        "scripted": "macrohard.models.registry:scripted_backend",
    },
    "roles": {
        "pm": "macrohard.company.roles:ProductManager",
        "architect": "macrohard.company.roles:Architect",
        "qa": "macrohard.company.roles:QA",
        "engineer": "macrohard.company.roles:Engineer",
        "verifier": "macrohard.company.roles:Verifier",
        "reviewer": "macrohard.company.roles:Reviewer",
        "release": "macrohard.company.roles:Release",
    },
    "gates": {
        "tests": "macrohard.gates.policy:tests_gate",
        "ruff": "macrohard.gates.policy:ruff_gate",
        "bandit": "macrohard.gates.policy:bandit_gate",
        "secrets": "macrohard.gates.policy:secrets_gate",
        "dependencies": "macrohard.gates.policy:dependencies_gate",
        "licences": "macrohard.gates.policy:licences_gate",
        "mypy": "macrohard.gates.policy:mypy_gate",
        "audit": "macrohard.gates.policy:audit_gate",
    },
    "workflows": {"default": "macrohard.company.workflow:DEFAULT_WORKFLOW"},
    "tools": {"read_file": "macrohard.tools:read_file", "list_files": "macrohard.tools:list_files"},
}

T = TypeVar("T")


class PluginWarning(UserWarning):
    """A plugin was found but ignored (it reuses a built-in's name)."""


@dataclass(frozen=True)
class Plugin:
    """One named object of one kind, where it comes from, and whether it loaded."""

    kind: Kind
    name: str
    target: str  # "module:attribute" (or the object's qualified name when registered in code)
    dist: str  # "macrohard-example-gate 0.1.0"; "macrohard (built-in)" from a source checkout
    builtin: bool
    state: State
    error: str = ""

    def describe(self) -> str:
        return f"{NOUNS[self.kind]} plugin {self.name!r} ({self.dist}, {self.target})"


class _Entry:
    """Mutable bookkeeping behind a Plugin: the entry point, and the object once loaded."""

    def __init__(self, kind: Kind, name: str, target: str, dist: str, builtin: bool) -> None:
        self.kind = kind
        self.name = name
        self.target = target
        self.dist = dist
        self.builtin = builtin
        self.state: State = "available"
        self.error = ""
        self.obj: Any = None
        self.rivals: list[_Entry] = []

    def record(self) -> Plugin:
        return Plugin(
            self.kind, self.name, self.target, self.dist, self.builtin, self.state, self.error
        )


def _dist_label(ep: EntryPoint) -> tuple[str, bool]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return f"{DIST} (built-in)", True
    name = str(dist.metadata["Name"] or "?")
    return f"{name} {dist.version}", _normal(name) == DIST


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _check(kind: Kind, obj: Any) -> str:
    """Why `obj` cannot be a `kind` plugin object ("" when it can)."""
    if kind == "workflows":
        ok = callable(obj) or (isinstance(obj, Sequence) and not isinstance(obj, str))
        return "" if ok else "is neither a sequence of Phase nor a callable returning one"
    if kind == "tools":
        from macrohard.tools import Tool

        return "" if isinstance(obj, Tool) or callable(obj) else "is neither a Tool nor callable"
    return "" if callable(obj) else f"is a {type(obj).__name__}, not a callable factory"


class Registry:
    """Every plugin of every kind: discovered from metadata once per kind, loaded on first use."""

    def __init__(self, discover: Callable[[str], Sequence[EntryPoint]] | None = None) -> None:
        self._discover = discover or (lambda group: tuple(entry_points(group=group)))
        self._lock = threading.RLock()
        self._found: dict[Kind, dict[str, _Entry]] = {}
        self._runtime: dict[Kind, dict[str, _Entry]] = {k: {} for k in KINDS}
        self._ignored: list[_Entry] = []  # third-party entries that reuse a built-in's name

    # -- discovery (metadata only) -------------------------------------------------------------
    def _entries(self, kind: Kind) -> dict[str, _Entry]:
        with self._lock:
            if kind not in self._found:
                self._found[kind] = self._scan(kind)
            return {**self._found[kind], **self._runtime[kind]}

    def _scan(self, kind: Kind) -> dict[str, _Entry]:
        group = f"macrohard.{kind}"
        ours: dict[str, _Entry] = {}
        theirs: dict[str, _Entry] = {}
        try:
            found_eps = tuple(self._discover(group))
        except Exception as exc:  # unreadable metadata of some installed package
            warnings.warn(
                f"cannot read the {group} entry points ({type(exc).__name__}: {exc}); "
                "using the built-ins only",
                PluginWarning,
                stacklevel=2,
            )
            found_eps = ()
        for ep in found_eps:
            dist, builtin = _dist_label(ep)
            entry = _Entry(kind, ep.name, ep.value, dist, builtin)
            entry.obj = ep  # loaded on first use
            if builtin:
                ours[ep.name] = entry
            elif ep.name in theirs:
                theirs[ep.name].rivals.append(entry)
            else:
                theirs[ep.name] = entry
        for name, target in BUILTINS[kind].items():  # a checkout whose metadata lacks them
            if name not in ours:
                entry = _Entry(kind, name, target, f"{DIST} (built-in)", True)
                entry.obj = EntryPoint(name, target, group)
                ours[name] = entry
        order = list(BUILTINS[kind]) + sorted(set(ours) - set(BUILTINS[kind]))
        found = {name: ours[name] for name in order}
        for name in sorted(theirs):
            entry = theirs[name]
            if name in found:
                entry.state, entry.error = "ignored", f"a built-in {NOUNS[kind]} is named {name!r}"
                self._ignored.append(entry)
                warnings.warn(
                    f"{entry.record().describe()} is ignored: {entry.error}",
                    PluginWarning,
                    stacklevel=2,
                )
                continue
            if entry.rivals:
                dists = ", ".join(e.dist for e in (entry, *entry.rivals))
                entry.state = "conflict"
                entry.error = f"{len(entry.rivals) + 1} distributions provide it: {dists}"
            found[name] = entry
        return found

    def names(self, kind: Kind) -> list[str]:
        """Every name of `kind`: built-ins in their canonical order, then the rest sorted."""
        return list(self._entries(kind))

    # -- loading -------------------------------------------------------------------------------
    def find(self, kind: Kind, name: str) -> Any | None:
        """The object registered as `name`, loaded now if need be; None when there is none.

        Raises PluginError, naming the plugin and its distribution, when it cannot be used."""
        entry = self._entries(kind).get(name)
        if entry is None:
            return None
        with self._lock:
            self._load(entry)
        if entry.state != "loaded":
            raise PluginError(f"{entry.record().describe()} cannot be used: {entry.error}")
        return entry.obj

    def _load(self, entry: _Entry) -> None:
        if entry.state != "available":
            return
        try:
            obj = entry.obj.load()
        except Exception as exc:  # any import-time failure of someone else's code
            entry.state, entry.error = "failed", f"{type(exc).__name__}: {exc}"
            return
        if problem := _check(entry.kind, obj):
            entry.state, entry.error = "failed", f"{entry.target} {problem}"
            return
        entry.obj, entry.state = obj, "loaded"

    def plugins(self, kind: Kind | None = None) -> list[Plugin]:
        """Every plugin (of `kind`, or of all kinds), each loaded to know its state."""
        out: list[Plugin] = []
        for k in (kind,) if kind else KINDS:
            entries = self._entries(k)
            with self._lock:
                for entry in entries.values():
                    self._load(entry)
                    out.append(entry.record())
                    out.extend(rival.record() for rival in entry.rivals)
                out.extend(e.record() for e in self._ignored if e.kind == k)
        return out

    # -- registration in code ------------------------------------------------------------------
    def register(self, kind: Kind, name: str, obj: Any) -> None:
        """Adds `obj` as `name` from code; it wins over entry points of the same name."""
        if problem := _check(kind, obj):
            raise PluginError(f"cannot register {NOUNS[kind]} {name!r}: it {problem}")
        module = getattr(obj, "__module__", type(obj).__module__)
        target = f"{module}:{getattr(obj, '__qualname__', type(obj).__qualname__)}"
        entry = _Entry(kind, name, target, "registered in code", module.startswith(f"{DIST}."))
        entry.obj, entry.state = obj, "loaded"
        with self._lock:
            self._runtime[kind][name] = entry

    def refresh(self) -> None:
        """Forget what was discovered (after installing a plugin into a running process);
        objects registered in code stay."""
        with self._lock:
            self._found.clear()
            self._ignored.clear()


_REGISTRY = Registry()


def registry() -> Registry:
    """The process-wide registry."""
    return _REGISTRY


def find(kind: Kind, name: str) -> Any | None:
    return _REGISTRY.find(kind, name)


def names(kind: Kind) -> list[str]:
    return _REGISTRY.names(kind)


def register(kind: Kind, name: str, obj: Any) -> None:
    _REGISTRY.register(kind, name, obj)


def call(kind: Kind, name: str, factory: Callable[..., T], *args: Any) -> T:
    """`factory(*args)`, with a third-party factory's failure turned into a PluginError that names
    the plugin (MacrohardErrors pass through: they already say what to fix)."""
    try:
        return factory(*args)
    except MacrohardError:
        raise
    except Exception as exc:
        entry = _REGISTRY._entries(kind).get(name)
        if entry is None or entry.builtin:
            raise  # our own bug: keep the traceback as it is
        raise PluginError(
            f"{entry.record().describe()} failed: {type(exc).__name__}: {exc}"
        ) from exc


class PluginMap(MutableMapping[str, T]):
    """A dict-like view of one kind: `ROLES["pm"]`, `"pm" in ROLES`, `ROLES["mine"] = Mine`."""

    def __init__(self, kind: Kind, registry: Registry | None = None) -> None:
        self.kind = kind
        self._registry = registry or _REGISTRY

    def __getitem__(self, name: str) -> T:
        obj = self._registry.find(self.kind, name)
        if obj is None:
            raise KeyError(name)
        return obj  # type: ignore[no-any-return]

    def __setitem__(self, name: str, obj: T) -> None:
        self._registry.register(self.kind, name, obj)

    def __delitem__(self, name: str) -> None:
        with self._registry._lock:
            if self._registry._runtime[self.kind].pop(name, None) is None:
                raise KeyError(f"{name} (only objects registered in code can be removed)")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._registry.names(self.kind)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry.names(self.kind))

    def __len__(self) -> int:
        return len(self._registry.names(self.kind))


__all__ = [
    "BUILTINS",
    "KINDS",
    "Kind",
    "Plugin",
    "PluginError",
    "PluginMap",
    "PluginWarning",
    "Registry",
    "call",
    "find",
    "names",
    "register",
    "registry",
]
