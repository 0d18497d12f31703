"""Parse and summarize plain-text log lines: `YYYY-MM-DD HH:MM:SS LEVEL [component] message`."""

from __future__ import annotations

import re
from collections.abc import Iterable

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

LINE = re.compile(
    r"(?P<timestamp>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) "
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"\[(?P<component>[^\s\[\]]+)\]"
    r"(?: (?P<message>.*))?"
)


def parse_line(line: str) -> dict[str, str] | None:
    text = line.rstrip()
    if not text:
        return None
    match = LINE.fullmatch(text)
    if match is None:
        return None
    return {
        "timestamp": match["timestamp"],
        "level": match["level"],
        "component": match["component"],
        "message": match["message"] or "",
    }


def summarize(lines: Iterable[str]) -> dict[str, object]:
    total = malformed = 0
    levels = dict.fromkeys(LEVELS, 0)
    components: dict[str, int] = {}
    for line in lines:
        if not line.strip():
            continue
        total += 1
        entry = parse_line(line)
        if entry is None:
            malformed += 1
            continue
        levels[entry["level"]] += 1
        components[entry["component"]] = components.get(entry["component"], 0) + 1
    return {"total": total, "malformed": malformed, "levels": levels, "components": components}
