"""logsummary: summarize a log as JSON, or filter it by minimum severity."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from logparse import LEVELS, parse_line, summarize


def read_lines(paths: list[str]) -> list[str]:
    if not paths:
        return sys.stdin.read().splitlines()
    lines: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            lines.extend(f.read().splitlines())
    return lines


def filter_lines(lines: list[str], min_level: str) -> Iterator[str]:
    threshold = LEVELS.index(min_level)
    for line in lines:
        entry = parse_line(line)
        if entry is not None and LEVELS.index(entry["level"]) >= threshold:
            yield line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarize or filter a log.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="log files (default: stdin)")
    parser.add_argument("--min-level", choices=LEVELS, help="print lines at this level or above")
    args = parser.parse_args(argv)
    try:
        lines = read_lines(args.files)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"logsummary: error: {exc}", file=sys.stderr)
        return 1
    if args.min_level:
        for line in filter_lines(lines, args.min_level):
            print(line)
    else:
        print(json.dumps(summarize(lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
