"""Architect: Spec -> Design (file plan, dependencies, test plan), checked against the contract."""

from __future__ import annotations

from macrohard.company.artifacts import Design, FilePlan, Spec
from macrohard.company.context import Context, PhaseResult

PROMPT = (
    "You are the software architect. Plan the files of a small Python project from its spec: "
    "for each file its path, purpose, public API (the exact signatures) and which other project "
    "files it imports. Standard library only unless the spec requires a package. Add a short "
    "test plan. No test files in the plan."
)
MAX_FILES = 4


class Architect:
    role = "architect"

    def run(self, ctx: Context) -> PhaseResult:
        spec = ctx.load("spec", Spec)
        drafted = None
        if not spec.from_request:  # a request that fixed its files has already planned them
            drafted = ctx.ask_json(
                ctx.prompt(PROMPT, "Answer in JSON.", spec),
                Design,
                max_tokens=500,
                constrained=False,  # without a plan, the contract's files are the plan
            )
        design = reconcile(spec, drafted, ctx.request)
        ctx.save("design", design)
        return PhaseResult(
            summary=f"plan {len(design.files)} file(s): {', '.join(f.path for f in design.files)}",
            output=design.model_dump(),
            body="Test plan:\n" + "\n".join(f"- {t}" for t in design.test_plan),
        )


def reconcile(spec: Spec, drafted: Design | None, request: str) -> Design:
    """Every contract file is planned with its contract API; extra files only as helpers;
    third-party dependencies only when the request itself names them."""
    by_path = {f.path: f for f in (drafted.files if drafted else [])}
    files: list[FilePlan] = []
    for contract in spec.files:
        plan = by_path.pop(contract.path, None) or FilePlan(path=contract.path)
        api = [fn.signature for fn in contract.functions]
        files.append(
            plan.model_copy(
                update={
                    "purpose": plan.purpose or contract.purpose,
                    "public_api": api or plan.public_api,
                }
            )
        )
    if drafted is None:  # a command-line file is built on the library files beside it
        libraries = [c.path for c in spec.files if not c.cli_usage.strip()]
        for plan, contract in zip(files, spec.files, strict=True):
            if contract.cli_usage.strip():
                plan.depends_on = list(libraries)
    helpers = [p for p in by_path.values() if not p.path.split("/")[-1].startswith("test")]
    files += helpers[: max(0, MAX_FILES - len(files))]
    known = {f.path for f in files}
    for plan in files:
        plan.depends_on = [d for d in plan.depends_on if d in known and d != plan.path]
    deps = [d for d in (drafted.dependencies if drafted else []) if d.lower() in request.lower()]
    tests = (drafted.test_plan if drafted else []) or spec.acceptance_criteria or spec.examples
    return Design(files=files, dependencies=deps, test_plan=tests[:12])
