"""Product manager: request -> Spec with an interface contract that keeps the client's names."""

from __future__ import annotations

from macrohard.company.artifacts import Spec
from macrohard.company.context import Context, PhaseResult
from macrohard.company.contract import enforce
from macrohard.models.base import system, user

PROMPT = (
    "You are the product manager of a small software company. Turn the client's request into a "
    "precise spec. Keep every file name, function name, signature, CLI argument, exit code and "
    "output format the client gives exactly as written. Plan the fewest files that do the job "
    "(usually one). Python standard library only unless the client asks otherwise."
)


class ProductManager:
    role = "pm"

    def run(self, ctx: Context) -> PhaseResult:
        messages = [
            system(PROMPT),
            user(
                f'Client request:\n"""\n{ctx.request}\n"""\n\nWrite the spec as JSON: summary, '
                "user_stories, acceptance_criteria, files (path, purpose, functions with name, "
                "signature and description, cli_usage), examples."
            ),
        ]
        spec = ctx.ask_json(messages, Spec, max_tokens=1200)
        if spec is None:
            ctx.notes.append("pm: no valid spec from the model; using the request's own contract")
            first = ctx.request.strip().splitlines()[0][:200]
            spec = Spec(summary=first, acceptance_criteria=[ctx.request.strip()[:2000]])
        spec = enforce(spec, ctx.request)
        ctx.save("spec", spec)
        ctx.write(".macrohard/request.md", ctx.request.strip() + "\n")
        names = ", ".join(f.path for f in spec.files)
        return PhaseResult(
            summary=f"spec for {names}",
            output={"files": [f.path for f in spec.files], "summary": spec.summary},
            body=f"Summary: {spec.summary}\n\nThe interface contract keeps the client's names.",
        )
