"""Reviewer: tidy what tools can fix safely, then run every gate; nothing ships past a red gate."""

from __future__ import annotations

import json
import subprocess  # nosec B404

from macrohard.company.context import Context, PhaseResult
from macrohard.gates import DEFAULT_GATES, gate_trailers, gates_for
from macrohard.gates.base import run_gates, run_tool, tool
from macrohard.gates.static import RUFF_RULES


class Reviewer:
    role = "reviewer"

    def run(self, ctx: Context) -> PhaseResult:
        ruff = tool("ruff")
        if ruff:  # static rewrites only: safe fixes and formatting, never running the code
            rules = f"--select={','.join(RUFF_RULES)}"
            for args in (
                ["check", "--isolated", rules, "--fix", "--no-cache", "."],
                # an unused local: drop the name, keep evaluating the value (ruff calls it unsafe
                # only because the value's side effects stay); `== None`/`== True` comparisons
                # become `is None`/truth tests; the gates re-run the tests after
                [
                    "check",
                    "--isolated",
                    "--select=F841,E711,E712",
                    "--fix",
                    "--unsafe-fixes",
                    "--no-cache",
                    ".",
                ],
                ["format", "--isolated", "--no-cache", "."],
            ):
                try:
                    run_tool([*ruff, *args], ctx.root, timeout=60)
                except (subprocess.TimeoutExpired, OSError) as exc:
                    ctx.notes.append(f"reviewer: ruff {args[0]} failed: {exc}")
        # the project's policy (macrohard.toml; a bad one is a UserError), unless the company was
        # given gates of its own
        gates = gates_for(ctx.root) if ctx.gates is DEFAULT_GATES else ctx.gates
        results = run_gates(gates, ctx.root, ctx.sandbox)
        # the committed record is deterministic (no timings, no raw tool output): same inputs,
        # same repository; the journal and report.json keep the full results
        stable = [
            {k: r.to_dict()[k] for k in ("gate", "status", "summary", "findings", "required")}
            for r in results
        ]
        ctx.write(".macrohard/gates.json", json.dumps(stable, indent=1) + "\n")
        passed = not any(r.blocks for r in results)  # advisory gates report, never block
        return PhaseResult(
            summary=(
                "all gates pass"
                if passed
                else "gates fail: " + ", ".join(r.gate for r in results if r.blocks)
            ),
            output={"gates": [r.to_dict() for r in results], "passed": passed},
            verdict="ok" if passed else "failed",
            trailers=gate_trailers(results),
        )
