"""csvstats: per-column statistics of a CSV file, as a text table or JSON."""

from __future__ import annotations

import argparse
import csv
import json
import sys


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def column_stats(values: list[str]) -> dict[str, object]:
    present = [v.strip() for v in values if v.strip()]
    stats: dict[str, object] = {"count": len(present), "missing": len(values) - len(present)}
    if present and all(is_number(v) for v in present):
        numbers = [float(v) for v in present]
        stats = {"type": "numeric", **stats, "min": min(numbers), "max": max(numbers),
                 "mean": sum(numbers) / len(numbers)}
    else:
        stats = {"type": "text", **stats, "unique": len(set(present))}
    return stats


def compute(path: str) -> dict[str, dict[str, object]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError("no header row")
    header, body = rows[0], rows[1:]
    result: dict[str, dict[str, object]] = {}
    for i, name in enumerate(header):
        values = [row[i] if i < len(row) else "" for row in body]
        result[name] = column_stats(values)
    return result


def render_text(stats: dict[str, dict[str, object]]) -> str:
    lines = []
    for name, s in stats.items():
        line = f"{name}: {s['type']} count={s['count']} missing={s['missing']}"
        if s["type"] == "numeric":
            line += f" min={s['min']:.2f} max={s['max']:.2f} mean={s['mean']:.2f}"
        else:
            line += f" unique={s['unique']}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Per-column statistics of a CSV file.")
    parser.add_argument("input", help="CSV file with a header row")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--output", metavar="PATH", help="write the report to PATH")
    args = parser.parse_args(argv)
    try:
        stats = compute(args.input)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        print(f"csvstats: error: {args.input}: {exc}", file=sys.stderr)
        return 1
    report = json.dumps(stats) + "\n" if args.json else render_text(stats)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(report)
    else:
        sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
