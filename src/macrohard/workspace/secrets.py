"""Find things that look like credentials in text, before they reach a commit or a release.

Independent of git: the workspace scans staged diffs with it, and gates can scan any text.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from dataclasses import dataclass

ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")
MIN_ENV_VALUE = 12

_B = r"(?<![A-Za-z0-9_-])"  # not in the middle of a longer token
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private-key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----")),
    ("anthropic-key", re.compile(_B + r"sk-ant-[A-Za-z0-9_-]{20,}")),
    ("openai-key", re.compile(_B + r"sk-(?:proj-)?[A-Za-z0-9_-]{20,}")),
    ("xai-key", re.compile(_B + r"xai-[A-Za-z0-9_-]{20,}")),
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(_B + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})")),
    ("slack-token", re.compile(_B + r"xox[abposr]-[A-Za-z0-9-]{10,}")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}")),
)

_NAME = r"[A-Za-z0-9_.-]*(?:api[_-]?key|secret|token|passw(?:or)?d|access[_-]?key|credential)\w*"
# name = "value" anywhere (code, JSON, YAML), allowing a type annotation before the "="
_QUOTED = re.compile(
    rf"(?i)(?:{_NAME})['\"]?\s*(?::[^=\n'\"]*)?[:=]>?\s*(['\"])(?P<value>[^'\"\s]{{16,}})\1"
)
# NAME=value as a whole line (.env files, shell)
_BARE = re.compile(
    rf"(?im)^[ \t]*(?:export[ \t]+)?(?:{_NAME})[ \t]*[:=][ \t]*(?P<value>[\w+/=.-]{{16,}})[ \t]*$"
)
_PLACEHOLDER = re.compile(r"(?i)example|sample|dummy|fake|test|placeholder|changeme|your|xxxx")
MIN_ENTROPY = 3.0


@dataclass(frozen=True, slots=True)
class Finding:
    """One suspected secret: what it looks like, where (1-based line), and a redacted excerpt."""

    kind: str
    line_no: int
    excerpt_redacted: str


def redact(secret: str) -> str:
    """Only the first four characters survive."""
    return secret[:4] + "****"


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value).values()
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts)


def _looks_random(value: str) -> bool:
    return (
        entropy(value) >= MIN_ENTROPY
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and not _PLACEHOLDER.search(value)
    )


def _env_secrets() -> list[tuple[str, str]]:
    return [
        (f"env:{name}", value)
        for name, value in sorted(os.environ.items())
        if name.upper().endswith(ENV_SUFFIXES) and len(value) >= MIN_ENV_VALUE
    ]


def _candidates(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every match, in order of priority."""
    found = [(k, m.start(), m.end()) for k, rx in PATTERNS for m in rx.finditer(text)]
    for kind, value in _env_secrets():
        start = text.find(value)
        while start != -1:
            found.append((kind, start, start + len(value)))
            start = text.find(value, start + 1)
    for rx in (_QUOTED, _BARE):
        found += [
            ("generic-secret", m.start("value"), m.end("value"))
            for m in rx.finditer(text)
            if _looks_random(m["value"])
        ]
    return found


def find_secrets(text: str) -> list[Finding]:
    """Suspected secrets in `text`, in order of appearance; one finding per overlapping match."""
    taken: list[tuple[str, int, int]] = []
    for kind, start, end in _candidates(text):
        if all(end <= s or start >= e for _, s, e in taken):
            taken.append((kind, start, end))
    return [
        Finding(kind, text.count("\n", 0, start) + 1, redact(text[start:end]))
        for kind, start, end in sorted(taken, key=lambda t: t[1])
    ]
