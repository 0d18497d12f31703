"""The built-in gates in one place (older code imports them from here)."""

from macrohard.gates.policy import Policy
from macrohard.gates.static import BanditGate, MypyGate, RuffGate, SecretsGate
from macrohard.gates.supply import AuditGate, DependenciesGate, LicencesGate
from macrohard.gates.tests import TestsGate, parse_junit

#: the gates of a project without a macrohard.toml (the Reviewer reads the project's policy
#: instead whenever a Company runs with these)
DEFAULT_GATES = Policy().gates()

__all__ = [
    "DEFAULT_GATES",
    "AuditGate",
    "BanditGate",
    "DependenciesGate",
    "LicencesGate",
    "MypyGate",
    "RuffGate",
    "SecretsGate",
    "TestsGate",
    "parse_junit",
]
