"""Licence decisions: what pip-licenses reports for a package, judged against a policy.

Licence texts are sorted into families (MIT, BSD, Apache, ISC, PSF, MPL, zlib, public domain,
GPL, LGPL, AGPL). SPDX "OR", and "; " between several classifiers, offer alternatives: one allowed
alternative is enough. "AND" needs every part allowed. Anything else is "unknown".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Decision = Literal["allowed", "denied", "unknown"]

# order matters: the narrower copyleft names before plain GPL
FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("agpl", re.compile(r"agpl|affero")),
    ("lgpl", re.compile(r"lgpl|lesser general public|library general public")),
    ("gpl", re.compile(r"\bgpl|general public licen[cs]e")),
    ("mpl", re.compile(r"\bmpl\b|mpl-?2|mozilla public")),
    ("apache", re.compile(r"apache")),
    ("mit", re.compile(r"\bmit\b|\bexpat\b|mit-0")),
    ("bsd", re.compile(r"\bbsd|0bsd")),
    ("isc", re.compile(r"\bisc\b|\biscl\b")),
    ("psf", re.compile(r"\bpsf|python software foundation|python-2\.0|\bpython licen[cs]e")),
    ("zlib", re.compile(r"\bzlib\b")),
    ("public-domain", re.compile(r"unlicense|\bcc0|public[ -]domain")),
)
DEFAULT_ALLOW = ("mit", "bsd", "apache", "isc", "psf", "mpl", "zlib", "public-domain")
DEFAULT_DENY = ("gpl", "lgpl", "agpl")


def family(text: str) -> str | None:
    """The licence family a text names; None when it names none we know."""
    low = text.lower()
    return next((name for name, rx in FAMILIES if rx.search(low)), None)


@dataclass(frozen=True)
class LicencePolicy:
    allow: frozenset[str] = frozenset(DEFAULT_ALLOW)
    deny: frozenset[str] = frozenset(DEFAULT_DENY)
    #: "fail" or "warn" for a package whose licence cannot be told
    unknown: str = "fail"


def decide(licence: str, policy: LicencePolicy) -> Decision:
    """allowed / denied / unknown for one package's licence text."""
    verdicts = [_conjunction(alt, policy) for alt in re.split(r"\s+OR\s+|\s*;\s*", licence)]
    if "allowed" in verdicts:
        return "allowed"
    return "denied" if "denied" in verdicts else "unknown"


def _conjunction(text: str, policy: LicencePolicy) -> Decision:
    families = [family(part.strip(" ()")) for part in re.split(r"\s+AND\s+", text)]
    if any(f in policy.deny for f in families if f):
        return "denied"
    if families and all(f in policy.allow for f in families if f) and None not in families:
        return "allowed"
    return "unknown"


@dataclass(frozen=True)
class Verdict:
    name: str
    version: str
    licence: str
    decision: Decision


def judge(packages: Iterable[Mapping[str, Any]], policy: LicencePolicy) -> list[Verdict]:
    """Verdicts for pip-licenses JSON rows ({"Name", "Version", "License"})."""
    return [
        Verdict(
            str(p.get("Name", "?")),
            str(p.get("Version", "?")),
            str(p.get("License", "UNKNOWN")),
            decide(str(p.get("License", "UNKNOWN")), policy),
        )
        for p in packages
    ]
