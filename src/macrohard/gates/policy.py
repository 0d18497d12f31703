"""The gate policy of a project: the `[gates]` table of `macrohard.toml` in its root.

    [gates]
    enabled = ["tests", "ruff", "bandit", "secrets", "dependencies", "licences", "audit"]
    required = ["tests", "ruff", "bandit", "secrets"]   # default: every enabled gate
    coverage_min = 0                # percent; 0 = measured and reported only
    bandit_severity = "high"        # fail at or above: low | medium | high
    dependencies = []               # allowlist (distribution or import names); [] = stdlib only
    test_dependencies = ["pytest"]  # extra names test files may import
    licences_allow = ["MIT", "BSD", "Apache-2.0", "ISC", "PSF", "MPL-2.0"]
    licences_deny = ["GPL", "LGPL", "AGPL"]
    unknown_licences = "fail"       # or "warn"
    mypy = false                    # shorthand: add mypy to `enabled`
    audit = true                    # shorthand: false drops audit from `enabled`

    [gates.todo]                    # the settings of a plugin gate, read by its factory
    markers = ["TODO", "FIXME"]

A gate not in `required` is advisory: reported, never blocking. No file: these defaults.

Gates are plugins of the `macrohard.gates` entry-point group: each name maps to a factory
`(policy) -> Gate`; the built-in ones below are declared in pyproject.toml the same way. A plugin
gate runs only where a policy enables it by name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from macrohard import plugins
from macrohard.errors import PluginError, UserError
from macrohard.gates.base import Advisory, Gate
from macrohard.gates.licences import DEFAULT_ALLOW, DEFAULT_DENY, FAMILIES, LicencePolicy, family
from macrohard.gates.static import SEVERITIES, BanditGate, MypyGate, RuffGate, SecretsGate
from macrohard.gates.supply import AuditGate, DependenciesGate, LicencesGate
from macrohard.gates.tests import TestsGate

POLICY_FILE = "macrohard.toml"
#: the built-in gates, in their canonical order (plugin gates follow them)
GATE_NAMES = ("tests", "ruff", "bandit", "secrets", "dependencies", "licences", "mypy", "audit")
DEFAULT_ENABLED = tuple(n for n in GATE_NAMES if n != "mypy")


@dataclass(frozen=True)
class Policy:
    enabled: tuple[str, ...] = DEFAULT_ENABLED
    required: tuple[str, ...] = DEFAULT_ENABLED
    coverage_min: float = 0.0
    bandit_severity: str = "high"
    dependencies: tuple[str, ...] = ()
    test_dependencies: tuple[str, ...] = ("pytest",)
    licences: LicencePolicy = field(default_factory=LicencePolicy)
    #: `[gates.NAME]` tables: the settings of plugin gates
    settings: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)

    def gates(self) -> tuple[Gate, ...]:
        """The configured gates in their canonical order; advisory ones wrapped."""
        built = [make_gate(name, self) for name in self.enabled]
        return tuple(g if g.name in self.required else Advisory(g) for g in built)

    def settings_of(self, gate: str) -> dict[str, Any]:
        """The `[gates.GATE]` table of a plugin gate ({} when there is none)."""
        return dict(self.settings.get(gate, {}))


def make_gate(name: str, policy: Policy) -> Gate:
    """The gate registered as `name`, built for `policy`; a PluginError names a broken plugin."""
    factory = plugins.find("gates", name)
    if factory is None:
        raise UserError(f"unknown gate {name!r} (gates: {', '.join(gate_names())})")
    gate = plugins.call("gates", name, factory, policy)
    if not isinstance(gate, Gate) or gate.name != name:
        made = getattr(gate, "name", type(gate).__name__)
        raise PluginError(
            f"gate plugin {name!r} made {made!r}, not a Gate named {name!r} "
            "(a gate has a `name` and `check(project, sandbox) -> GateResult`)"
        )
    return gate


def gate_names() -> tuple[str, ...]:
    """Every gate a policy may name: the built-ins in canonical order, then plugin gates."""
    return tuple(plugins.names("gates"))


# the built-in gates' factories (entry points of the `macrohard.gates` group)
def tests_gate(policy: Policy) -> Gate:
    return TestsGate(coverage=True, coverage_min=policy.coverage_min)


def ruff_gate(policy: Policy) -> Gate:
    return RuffGate()


def bandit_gate(policy: Policy) -> Gate:
    return BanditGate(severity=policy.bandit_severity)


def secrets_gate(policy: Policy) -> Gate:
    return SecretsGate()


def dependencies_gate(policy: Policy) -> Gate:
    return DependenciesGate(policy.dependencies, policy.test_dependencies)


def licences_gate(policy: Policy) -> Gate:
    return LicencesGate(policy.licences)


def mypy_gate(policy: Policy) -> Gate:
    return MypyGate()


def audit_gate(policy: Policy) -> Gate:
    return AuditGate()


def load_policy(project: Path) -> Policy:
    """The policy in `project/macrohard.toml`; the defaults when there is none."""
    path = project / POLICY_FILE
    if path.is_symlink():
        raise UserError(f"{path} is a symlink; the gate policy must be a regular file")
    if not path.exists():
        return Policy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path} cannot be read: {exc}") from exc
    table = data.get("gates", {})
    if not isinstance(table, dict):
        raise UserError(f"{path}: `gates` must be a table ([gates])")
    return parse_policy(table)


def gates_for(project: Path) -> tuple[Gate, ...]:
    """The gates `project`'s policy asks for (the defaults without a macrohard.toml)."""
    return load_policy(project).gates()


KEYS = (
    "enabled",
    "required",
    "coverage_min",
    "bandit_severity",
    "dependencies",
    "test_dependencies",
    "licences_allow",
    "licences_deny",
    "unknown_licences",
    "mypy",
    "audit",
)


def parse_policy(table: dict[str, Any]) -> Policy:
    """A Policy from a `[gates]` table; a UserError names the first bad key."""
    known = gate_names()
    settings: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in KEYS:
            continue
        if isinstance(value, dict) and key in known and key not in GATE_NAMES:
            settings[key] = value
        elif isinstance(value, dict) and key not in GATE_NAMES:
            raise UserError(
                f"[gates.{key}] in {POLICY_FILE} configures an unknown gate (gates: "
                f"{', '.join(known)}); is the plugin that provides it installed?"
            )
        else:
            raise UserError(f"unknown key gates.{key} in {POLICY_FILE} (known: {', '.join(KEYS)})")
    chosen = set(_names(table, "enabled", DEFAULT_ENABLED))
    for shorthand in ("mypy", "audit"):
        if shorthand not in table:
            continue
        on = table[shorthand]
        if not isinstance(on, bool):
            raise UserError(f"gates.{shorthand} must be true or false, not {on!r}")
        if "enabled" in table and on != (shorthand in chosen):
            raise UserError(f"gates.{shorthand} = {str(on).lower()} contradicts gates.enabled")
        (chosen.add if on else chosen.discard)(shorthand)
    enabled = tuple(n for n in known if n in chosen)
    required = _names(table, "required", enabled)
    for name in required:
        if name not in enabled:
            raise UserError(f"gates.required names {name!r}, which is not enabled")
    coverage = table.get("coverage_min", 0)
    if isinstance(coverage, bool) or not isinstance(coverage, int | float):
        raise UserError(f"gates.coverage_min must be a number of percent, not {coverage!r}")
    if not 0 <= coverage <= 100:
        raise UserError(f"gates.coverage_min must be between 0 and 100, not {coverage}")
    severity = table.get("bandit_severity", "high")
    if severity not in SEVERITIES:
        raise UserError(f"gates.bandit_severity must be one of {SEVERITIES}, not {severity!r}")
    unknown = table.get("unknown_licences", "fail")
    if unknown not in ("fail", "warn"):
        raise UserError(f"gates.unknown_licences must be 'fail' or 'warn', not {unknown!r}")
    licences = LicencePolicy(
        frozenset(_families(table, "licences_allow", DEFAULT_ALLOW)),
        frozenset(_families(table, "licences_deny", DEFAULT_DENY)),
        unknown,
    )
    if licences.allow & licences.deny:
        both = ", ".join(sorted(licences.allow & licences.deny))
        raise UserError(f"gates.licences_allow and gates.licences_deny both name: {both}")
    return Policy(
        enabled=enabled,
        required=tuple(n for n in known if n in required),
        coverage_min=float(coverage),
        bandit_severity=severity,
        dependencies=_strings(table, "dependencies", ()),
        test_dependencies=_strings(table, "test_dependencies", ("pytest",)),
        licences=licences,
        settings=settings,
    )


def _strings(table: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"gates.{key} must be a list of non-empty strings, not {value!r}")
    return tuple(value)


def _names(table: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    names = _strings(table, key, default)
    known = gate_names()
    for name in names:
        if name not in known:
            raise UserError(
                f"gates.{key}: unknown gate {name!r} (gates: {', '.join(known)}); a plugin gate "
                "needs its package installed (see `macrohard plugins`)"
            )
    return names


def _families(table: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if key not in table:
        return default
    out = []
    for text in _strings(table, key, default):
        name = family(text)
        if name is None:
            known = ", ".join(n for n, _ in FAMILIES)
            raise UserError(f"gates.{key}: unknown licence {text!r} (families: {known})")
        out.append(name)
    return tuple(out)
