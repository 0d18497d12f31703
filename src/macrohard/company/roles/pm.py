"""Product manager: request -> Spec with an interface contract that keeps the client's names."""

from __future__ import annotations

from macrohard.company.artifacts import Spec, SpecDraft
from macrohard.company.context import Context, PhaseResult
from macrohard.company.contract import enforce
from macrohard.company.examples import extract

PROMPT = (
    "You are the product manager of a small software company. Turn the client's request into a "
    "precise spec. Keep every file name, function name, signature, CLI argument, exit code and "
    "output format the client gives exactly as written. Plan the fewest files that do the job "
    "(usually one). Python standard library only unless the client asks otherwise."
)


class ProductManager:
    role = "pm"

    def run(self, ctx: Context) -> PhaseResult:
        messages = ctx.prompt(
            PROMPT,
            "Write the spec as JSON: summary (one sentence), user_stories (at most 3), "
            "acceptance_criteria (at most 6, one line each), files (path, purpose, functions with "
            "name, signature and description, cli_usage). Be brief: engineers also read the "
            "request itself.",
        )
        # no grammar-constrained retry: the request's own contract is a sound fallback, and a
        # long constrained answer costs minutes on a CPU
        draft = ctx.ask_json(messages, SpecDraft, max_tokens=900, constrained=False)
        spec = Spec.model_validate(draft.model_dump()) if draft else None
        if spec is None:
            ctx.notes.append("pm: no valid spec from the model; using the request's own contract")
            first = ctx.request.strip().splitlines()[0][:200]
            spec = Spec(summary=first, acceptance_criteria=[])
        spec = spec.model_copy(update={"examples": extract(ctx.request).lines()[:12]})
        spec = enforce(spec, ctx.request)
        ctx.save("spec", spec)
        ctx.write(".macrohard/request.md", ctx.request.strip() + "\n")
        names = ", ".join(f.path for f in spec.files)
        return PhaseResult(
            summary=f"spec for {names}",
            output={"files": [f.path for f in spec.files], "summary": spec.summary},
            body=f"Summary: {spec.summary}\n\nThe interface contract keeps the client's names.",
        )
