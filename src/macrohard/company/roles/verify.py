"""Verification and repair: run the tests in the sandbox; for each failure decide whether the code
or the test is wrong (small models write wrong tests too), fix that, and try again."""

from __future__ import annotations

import ast
from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel

from macrohard.company.artifacts import Design, Spec
from macrohard.company.context import Context, PhaseResult
from macrohard.company.roles.engineer import api_names, file_request, write_file
from macrohard.company.roles.qa import count_tests, test_path
from macrohard.gates import GateResult, TestsGate
from macrohard.models.base import assistant, system, user

JUDGE = (
    "You review a failing test against its spec. Decide which side is wrong: the test (it "
    "expects something the spec does not say, or computes the expected value wrongly) or the "
    "code (it does not do what the spec says)."
)
MAX_JUDGED = 4


class Verdict(BaseModel):
    wrong: Literal["code", "test"]
    reason: str = ""


def test_source(code: str, name: str) -> str:
    """The source of test function `name` (pytest ids may carry [params])."""
    bare = name.split("[")[0]
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == bare:
            return ast.get_source_segment(code, node) or ""
    return ""


def drop_tests(code: str, names: set[str]) -> str:
    """The test file without the named test functions."""
    tree = ast.parse(code)
    lines = code.splitlines()
    spans = [
        (min([n.lineno] + [d.lineno for d in n.decorator_list]), n.end_lineno or n.lineno)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and n.name in names
    ]
    keep = [ln for i, ln in enumerate(lines, 1) if not any(a <= i <= b for a, b in spans)]
    return "\n".join(keep).rstrip() + "\n"


class Verifier:
    role = "engineer"

    def run(self, ctx: Context) -> PhaseResult:
        spec = ctx.load("spec", Spec)
        design = ctx.load("design", Design)
        source_of = {test_path(p.path): p.path for p in design.files}
        original = {t: count_tests(ctx.read(t)) for t in source_of if ctx.read(t)}
        dropped: list[str] = []
        rewritten: list[str] = []
        gate = TestsGate()
        result = gate.check(ctx.root, ctx.sandbox)
        rounds = 0
        while not result.passed and rounds < ctx.repair_rounds:
            rounds += 1
            code_fixes, test_drops = self.triage(ctx, spec, result, source_of, original, dropped)
            for test_file, names in test_drops.items():
                ctx.write(test_file, drop_tests(ctx.read(test_file), names))
                dropped += [f"{test_file}::{n}" for n in sorted(names)]
            for path, messages in code_fixes.items():
                plan = next(p for p in design.files if p.path == path)
                cli = next((c.cli_usage for c in spec.files if c.path == path), "")
                convo = file_request(ctx.brief(spec), design, plan, cli)
                convo += [
                    assistant(f"```python\n{ctx.read(path)}```"),
                    user(
                        "These tests fail:\n" + "\n\n".join(messages[:3]) + "\n\nFix the code. "
                        "Reply with the whole corrected file in one ```python block."
                    ),
                ]
                fixed = write_file(ctx, convo, api_names(plan), temperature=0.7, seed=rounds)
                if fixed:
                    ctx.write(path, fixed)
                    rewritten.append(path)
            if not code_fixes and not test_drops:
                break
            result = gate.check(ctx.root, ctx.sandbox)
        output: dict[str, Any] = {
            "tests": result.summary,
            "rounds": rounds,
            "dropped_tests": dropped,
            "rewritten": rewritten,
            "status": result.status,
        }
        return PhaseResult(
            summary=f"tests {result.summary} after {rounds} repair round(s)",
            output=output,
            verdict="ok" if result.passed else "failed",
            trailers={"Tests": result.summary},
            body="\n".join(["Dropped tests judged wrong:", *dropped]) if dropped else "",
        )

    def triage(
        self,
        ctx: Context,
        spec: Spec,
        result: GateResult,
        source_of: dict[str, str],
        original: dict[str, int],
        dropped: list[str],
    ) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
        """Failures -> {source file: messages} to fix and {test file: names} to drop."""
        code_fixes: dict[str, list[str]] = defaultdict(list)
        test_drops: dict[str, set[str]] = defaultdict(set)
        failures = result.details.get("failures") or [
            {"classname": "", "test": "", "message": f.message} for f in result.findings
        ]
        for i, failure in enumerate(failures):
            test_file = failure["classname"].split("::")[0].replace(".", "/") + ".py"
            test_file = next((t for t in source_of if test_file.startswith(t[:-3])), test_file)
            path = source_of.get(test_file) or next(iter(source_of.values()), "")
            source = test_source(ctx.read(test_file), failure["test"])
            message = f"{failure['test']}:\n{source}\n{failure['message'][-800:]}"
            verdict = None
            if source and i < MAX_JUDGED:
                verdict = ctx.ask_json(
                    [
                        system(JUDGE),
                        user(
                            f"{ctx.brief(spec)}\n\nTest:\n{source}\n\n"
                            f"Failure:\n{failure['message'][-600:]}\n\nCode:\n"
                            f"{ctx.read(path)[:4000]}\n\nAnswer in JSON."
                        ),
                    ],
                    Verdict,
                    max_tokens=200,
                )
            budget = original.get(test_file, 0) // 2
            already = sum(1 for d in dropped if d.startswith(test_file))
            if (
                verdict
                and verdict.wrong == "test"
                and already + len(test_drops[test_file]) < budget
            ):
                test_drops[test_file].add(failure["test"].split("[")[0])
            elif path:
                code_fixes[path].append(message)
        return dict(code_fixes), dict(test_drops)
