"""Reviewer: tidy what tools can fix safely, then run every gate; nothing ships past a red gate."""

from __future__ import annotations

import json
import subprocess  # nosec B404

from macrohard.company.context import Context, PhaseResult
from macrohard.gates.base import run_tool, tool


class Reviewer:
    role = "reviewer"

    def run(self, ctx: Context) -> PhaseResult:
        ruff = tool("ruff")
        if ruff:  # static rewrites only: safe fixes and formatting, never running the code
            for args in (["check", "--fix", "--no-cache", "."], ["format", "--no-cache", "."]):
                try:
                    run_tool([*ruff, *args], ctx.root, timeout=60)
                except (subprocess.TimeoutExpired, OSError) as exc:
                    ctx.notes.append(f"reviewer: ruff {args[0]} failed: {exc}")
        results = [gate.check(ctx.root, ctx.sandbox) for gate in ctx.gates]
        # the committed record is deterministic (no timings, no raw tool output): same inputs,
        # same repository; the journal and report.json keep the full results
        stable = [
            {k: r.to_dict()[k] for k in ("gate", "status", "summary", "findings")} for r in results
        ]
        ctx.write(".macrohard/gates.json", json.dumps(stable, indent=1) + "\n")
        passed = all(r.passed for r in results)
        return PhaseResult(
            summary=(
                "all gates pass"
                if passed
                else "gates fail: " + ", ".join(r.gate for r in results if not r.passed)
            ),
            output={"gates": [r.to_dict() for r in results], "passed": passed},
            verdict="ok" if passed else "failed",
            trailers={f"Gate-{r.gate}": f"{r.status} ({r.summary})" for r in results},
        )
