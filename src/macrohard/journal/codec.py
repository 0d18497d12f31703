"""What goes into the journal's text columns: UTC timestamps, JSON, and the API-key guard."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from macrohard.journal.records import JournalError

_SECRET_SUFFIXES = ("_API_KEY", "_TOKEN")
_MIN_SECRET_LEN = 12


def utc_now() -> str:
    """The current time as ISO 8601 UTC with microseconds, e.g. 2025-01-31T12:00:00.123456Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def refuse_secrets(text: str, what: str) -> str:
    """Returns `text`, or raises JournalError if it holds the value of a *_API_KEY/*_TOKEN var."""
    for name, value in os.environ.items():
        if not name.upper().endswith(_SECRET_SUFFIXES) or len(value) < _MIN_SECRET_LEN:
            continue
        if value in text or json.dumps(value)[1:-1] in text:
            raise JournalError(
                f"refusing to store {what}: it contains the value of ${name}; "
                "record where a key comes from, never the key itself"
            )
    return text


def to_json(value: Mapping[str, Any] | Sequence[Any], what: str) -> str:
    """Serializes `value` (anything unknown becomes str) after the secret guard."""
    return refuse_secrets(json.dumps(value, default=str), what)
