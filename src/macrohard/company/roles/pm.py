"""Product manager: request -> Spec with an interface contract that keeps the client's names."""

from __future__ import annotations

from macrohard.company.artifacts import Spec, SpecDraft
from macrohard.company.context import Context, PhaseResult
from macrohard.company.contract import enforce, spec_from_request
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
        # a request that names its files and spells out their interface is already a spec: the
        # model would only paraphrase it (and a small one invents options), at minutes a call
        spec = spec_from_request(ctx.request) or self.draft(ctx)
        spec = spec.model_copy(update={"examples": extract(ctx.request).lines()[:12]})
        spec = enforce(spec, ctx.request)
        ctx.save("spec", spec)
        ctx.write(".macrohard/request.md", ctx.request.strip() + "\n")
        names = ", ".join(f.path for f in spec.files)
        source = "taken from the request's own interface" if spec.from_request else "drafted"
        return PhaseResult(
            summary=f"spec for {names}",
            output={
                "files": [f.path for f in spec.files],
                "summary": spec.summary,
                "from_request": spec.from_request,
            },
            body=f"Summary: {spec.summary}\n\nThe interface contract ({source}) keeps the "
            "client's names.",
        )

    def draft(self, ctx: Context) -> Spec:
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
        return spec
