"""Engineers: the code, file by file in dependency order (files of one wave in parallel)."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from macrohard.company.artifacts import Design, FilePlan, Spec
from macrohard.company.cli_outline import cli_outline
from macrohard.company.context import Context, PhaseResult
from macrohard.company.fill import UNFILLED, fill
from macrohard.company.roles.qa import module_name
from macrohard.company.service import find_service
from macrohard.company.service_outline import service_outline, without_rules
from macrohard.company.skeleton import skeleton
from macrohard.models.base import Message
from macrohard.synth.extract import extract_file
from macrohard.synth.imports import add_missing_imports, head_end

PROMPT = (
    "You are a senior Python engineer. Write complete, working, clean code that follows the spec "
    "exactly: the same file names, function names, signatures, CLI arguments, exit codes and "
    "output formats. Standard library only unless told otherwise. No placeholders."
)


def api_names(plan: FilePlan) -> tuple[str, ...]:
    """The functions and classes a reply must define to count as the file (dunders, properties
    and attributes are left to the tests: a method may be inherited or an attribute set)."""
    names = []
    for sig in plan.public_api:
        words = sig.replace("async ", "").split("(")[0].split("#")[0].split()
        named = len(words) == 2 and words[0] in ("def", "class") and words[1].isidentifier()
        if named and not words[1].startswith("__"):
            names.append(words[1])
    return tuple(dict.fromkeys(names))


def outline_of(ctx: Context, spec: Spec, plan: FilePlan) -> str:
    """The outline the engineer fills in: the project modules it depends on imported, the
    contract's classes and functions (for an HTTP service, its request handler first), then,
    for a command-line program, its parser, subcommands and main; '' when there is nothing to
    outline."""
    contract = next((f for f in spec.files if f.path == plan.path), None)
    if contract is None:
        return ""
    library = skeleton(contract, ctx.request)
    request = ctx.request
    service = find_service(contract, module_name(plan.path))
    served = service_outline(library, service, request) if service else ""
    if served:  # the API's rules sit at the handler's methods, not again in the docstring
        library, request = served, without_rules(request)
    outline = library
    if contract.cli_usage.strip():
        outline = cli_outline(plan.path, contract.cli_usage, request, library) or library
    named = request_imports(ctx.request, outline) if len(spec.files) == 1 else []
    return with_imports(outline, [*project_imports(ctx.request, spec, plan), *named])


_MENTION = re.compile(r"`([A-Za-z_][\w.]*)`")
_REFUSED = re.compile(r"\b(?:no|not|without|never|avoid|don't|do not)\b[^.`]{0,20}$", re.I)


def request_imports(request: str, outline: str) -> list[str]:
    """Imports of the standard-library modules the request names (`csv`, `decimal.Decimal`,
    `collections.OrderedDict`) and the outline lacks, unless refused ("no `ast`-based ...").
    In the outline from the start, the fill's prompt has them: an import the finished body
    needs added at the top later made llama.cpp read 02-csvstats' whole file again for its
    first repair (4,238 tokens, 109 s). Unused ones go at review (ruff --fix)."""
    lines: list[str] = []
    for found in _MENTION.finditer(request):
        if _REFUSED.search(request[max(0, found.start() - 40) : found.start()]):
            continue
        top, _, rest = found.group(1).partition(".")
        if top not in sys.stdlib_module_names or top in ("sys", "builtins"):
            continue
        name = rest.split(".")[0]
        if name[:1].isupper() and "." not in rest:  # a class: `collections.OrderedDict`
            line = f"from {top} import {name}"
        elif rest and importlib.util.find_spec(f"{top}.{name}") is not None:
            line = f"import {top}.{name}"  # a submodule: `http.server`
        else:
            line = f"import {top}"
        if line not in lines and line not in outline.splitlines():
            lines.append(line)
    return lines


def project_imports(request: str, spec: Spec, plan: FilePlan) -> list[str]:
    """`from logparse import LEVELS, parse_line, summarize` for each project module `plan`
    depends on: the top-level names of its outline (07's program, told only that it "may
    import" them, parsed its log lines again by hand and never called `summarize`)."""
    lines = []
    for other in spec.files:
        if other.path not in plan.depends_on or not other.path.endswith(".py"):
            continue
        names = []
        for node in ast.parse(skeleton(other, request) or "pass").body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.append(node.name)
            elif isinstance(node, ast.Assign):
                names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        if names:
            module = other.path[: -len(".py")].replace("/", ".")
            lines.append(f"from {module} import {', '.join(sorted(set(names)))}")
    return lines


def with_imports(outline: str, lines: list[str]) -> str:
    """`outline` with the import `lines` after its docstring and its own imports."""
    if not outline or not lines:
        return outline
    at = head_end(ast.parse(outline), every_import=True)
    source = outline.splitlines()
    return "\n".join([*source[:at], *lines, *source[at:]]) + "\n"


def file_request(
    ctx: Context, spec: Spec, design: Design, plan: FilePlan, outline: str | None = None
) -> list[Message]:
    """The engineer's prompt for one file of the design, with its `outline` (by default the
    one `outline_of` draws) to fill in."""
    others = [p for p in design.files if p.path in plan.depends_on]
    purpose = f": {plan.purpose.rstrip('.')}" if plan.purpose.strip() else ""
    lines = [f"Write the complete file `{plan.path}`{purpose}."]
    if outline is None:
        outline = outline_of(ctx, spec, plan)
    cli = next((f.cli_usage for f in spec.files if f.path == plan.path), "")
    if outline:
        lines.append(
            "Fill in this outline of it: keep every class, def and signature as written, replace "
            "each `...` with working code, and add the imports, helpers and attributes the code "
            f"needs (the docstrings quote the request).\n```python\n{outline}```"
        )
    elif plan.public_api:
        lines.append(
            "It must define: " + "; ".join(plan.public_api) + ", and everything else the "
            "request says it offers (operators, special methods, properties, attributes)."
        )
    for other in others:
        module = other.path[:-3].replace("/", ".")
        lines.append(f"It may import from `{module}`: " + "; ".join(other.public_api))
    if cli:
        lines.append(
            f"It is a command-line program ({cli}): parse arguments with argparse in a main() "
            'function and end the file with `if __name__ == "__main__": main()`; print results '
            "to stdout, errors to stderr, and exit with the status codes the spec gives."
        )
    lines.append("Reply with the whole file in one ```python block.")
    return ctx.prompt(PROMPT, "\n".join(lines), spec)


def write_file(
    ctx: Context,
    messages: list[Message],
    must_define: tuple[str, ...],
    attempts: int = 2,
    temperature: float = 0.0,
    seed: int = 0,
) -> str | None:
    """Ask until the reply parses and defines the public API (sampling after the first try)."""
    best: str | None = None
    for attempt in range(attempts):
        reply = ctx.ask(
            messages,
            max_tokens=1800,
            temperature=temperature if attempt == 0 else 0.7,
            seed=seed + attempt,
        )
        code = extract_file(reply, must_define)
        code = add_missing_imports(code) if code else code
        if code and all(f"def {n}" in code or f"class {n}" in code for n in must_define):
            return code
        best = best or code
    return best


def fill_file(
    ctx: Context,
    messages: list[Message],
    outline: str,
    temperature: float = 0.0,
    seed: int | None = None,
) -> str | None:
    """The outline filled member by member by continuation (`company/fill.py`); None when there
    is no outline, the model cannot continue an answer or the filled file does not parse."""
    if not outline or not getattr(ctx.model, "supports_prefill", False):
        return None

    def continue_(asked: list[Message], stop: list[str], max_tokens: int, attempt: int) -> str:
        heat, seeded = temperature, seed
        if attempt:  # a retry samples
            heat, seeded = max(temperature, 0.7), (seed or 0) + attempt
        reply = ctx.model.complete(
            asked, max_tokens=max_tokens, stop=stop, temperature=heat, seed=seeded
        )
        return reply.text

    try:
        code = fill(outline, messages, continue_)
    except SyntaxError:
        return None
    return add_missing_imports(code)


class Engineer:
    role = "engineer"

    def __init__(self, parallel: int = 2) -> None:
        self.parallel = parallel

    def run(self, ctx: Context) -> PhaseResult:
        spec = ctx.load("spec", Spec)
        design = ctx.load("design", Design)
        written: list[str] = []
        missing: list[str] = []

        def build(plan: FilePlan) -> tuple[FilePlan, str | None]:
            started = time.monotonic()
            outline = outline_of(ctx, spec, plan)
            messages = file_request(ctx, spec, design, plan, outline)
            filled = fill_file(ctx, messages, outline)
            if filled and UNFILLED not in filled:
                ctx.written_in[plan.path] = time.monotonic() - started
                return plan, filled
            # a member the model could not write in place (a parser's body ran past its
            # length): the whole file at once, where helpers may come first
            return plan, write_file(ctx, messages, api_names(plan)) or filled

        for wave in design.order():
            with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
                for plan, code in pool.map(build, wave):
                    if code:
                        ctx.write(plan.path, code)
                        written.append(plan.path)
                    else:
                        missing.append(plan.path)
        if missing:
            ctx.notes.append(f"engineer: no usable code for {', '.join(missing)}")
        return PhaseResult(
            summary=f"implement {', '.join(written) or 'nothing'}",
            output={"written": written, "missing": missing},
            verdict="ok" if not missing else "incomplete",
        )
