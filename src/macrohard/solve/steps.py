"""What the roles ask the model while solving: the plan, the new tests, the edit, a repair.

Every prompt starts with the company's system prompt and the client's request (so the embedded
model reuses their cached state), then shows only what the step needs: the ranked repository map
for the plan, the target file's outline for the tests, the file (or, when it is long, its outline
and the functions in question) for the edit, one failing function for a repair.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import textwrap
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from macrohard.company.context import Context
from macrohard.company.examples import Doctest
from macrohard.company.splice import def_head, function_source, next_def
from macrohard.models.base import CUT_OFF, assistant
from macrohard.solve.repomap import RepoMap, module_of
from macrohard.solve.screen import (
    add_imports,
    against_examples,
    clean_tests,
    known_keywords,
    on_topic,
    split_asserts,
    unwrap_assertion_raises,
)

MAP_CHARS = 5000  # about 1,300 tokens of repository map for the plan
WHOLE_FILE_LINES = 260  # longer files are shown as an outline plus the functions in question
CALLEES_SHOWN = 3  # and the file's functions those call
_BUG_WORDS = re.compile(
    r"\b(bug|wrong|incorrect|crash\w*|fails?|error|exception|traceback|instead of|expected|"
    r"broken|regression|should not|doesn't|does not)\b",
    re.I,
)
_BUT_SHOULD = re.compile(
    r"\b(but|instead|whereas)\b[^.\n]{0,80}\bshould\b"
    r"|\b(returns?|gives?|prints?|raises?|yields?)\b[^\n]{0,80}?\binstead of\b",
    re.I,
)
_NAME = re.compile(r"`([A-Za-z_][\w.]*)(\(|`)")
_LABELLED_BUG = re.compile(r"\s*(#+\s*)?(bug( report)?|fix)\b", re.I)
_FILE_NAME = re.compile(r"\.(py|pyi|txt|md|rst|toml|cfg|ini|json|ya?ml|csv)$")


class Plan(BaseModel):
    """The architect's plan of a change (also the JSON schema the model answers in)."""

    kind: Literal["bug", "feature"] = Field(description="bug fix or new feature")
    summary: str = Field(description="one line: what will change")
    files: list[str] = Field(description="existing source files to change (at most 3)")
    functions: list[str] = Field(
        default_factory=list, description="functions or methods to add or change"
    )


def guess_kind(request: str) -> Literal["bug", "feature"]:
    return "bug" if len(_BUG_WORDS.findall(request)) >= 2 else "feature"


def named_symbols(request: str, repo: RepoMap | None = None) -> list[str]:
    """Names in backticks the request mentions (`name(` or `name`), known in the repo or not;
    calls first (`findall(` before its parameter `string`), file names (`parse.py`) left out."""
    found = [(m.group(1), m.group(2) == "(") for m in _NAME.finditer(request)]
    names = [n for n, _ in sorted(found, key=lambda f: not f[1]) if not _FILE_NAME.search(n)]
    bare = dict.fromkeys(n.rsplit(".", 1)[-1] for n in names)
    # a built-in the request names (`int`, `TypeError`) is a type or an error, not the change's
    known = repo.symbol_names() if repo is not None else set()
    return [n for n in bare if n in known or not (hasattr(builtins, n) or keyword.iskeyword(n))]


def plan(ctx: Context, repo: RepoMap) -> tuple[Plan, list[str]]:
    """The model's plan, checked against the repository: files that exist and are not tests;
    a deterministic plan from the ranking when the model's is unusable. Returns notes too."""
    notes: list[str] = []
    persona = "You are the architect. You plan a change to the existing repository below."
    task = (
        f"Repository map (files, classes, functions):\n{repo.render(ctx.request, MAP_CHARS)}\n\n"
        "Plan the change: is it a bug fix or a feature; which existing source files to change "
        "(at most 3, not tests); which functions or methods to add or change; a one-line "
        "summary. Answer in JSON."
    )
    proposed = ctx.ask_json(ctx.prompt(persona, task), Plan, max_tokens=200)
    ranked = [f.path for f in repo.ranked(ctx.request) if not f.is_test and not f.error]
    known = {f.path for f in repo.files}
    if proposed is None:
        notes.append("the model gave no usable plan; planned from the repository map")
        proposed = Plan(kind=guess_kind(ctx.request), summary=ctx.request[:100], files=[])
    files = [f.strip("/ ") for f in proposed.files]
    kept = [f for f in files if f in known and not (repo.get(f) and repo.get(f).is_test)]  # type: ignore[union-attr]
    if files and len(kept) < len(files):
        notes.append(
            f"plan named files that are not source files here: {sorted(set(files) - set(kept))}"
        )
    if not kept and ranked:
        kept = ranked[:1]
    names = named_symbols(ctx.request, repo)
    functions = list(dict.fromkeys([*proposed.functions, *names]))[:6]
    kind = proposed.kind if proposed.kind else guess_kind(ctx.request)
    known = repo.symbol_names()
    if kind == "feature" and reports_existing(ctx.request, known):
        kind = "bug"
        notes.append("the request reports how existing functions go wrong: planned as a bug fix")
    if kind == "bug":  # a fix changes what is there, not a function the model made up
        functions = [f for f in functions if f.rsplit(".", 1)[-1] in known] or functions
    return Plan(kind=kind, summary=proposed.summary, files=kept[:3], functions=functions), notes


def reports_existing(request: str, known: set[str]) -> bool:
    """Whether a request is a bug report on functions the repository has: it opens with "Bug"
    (or "Fix") and names something `known`, or every call it writes in backticks (built-ins
    aside) is `known` and it says what is wrong (bug words, "returns X but should ..." or
    "returns X instead of Y": 08's indent report had been planned as a feature).
    04's "`underscore('HTMLTidy')` returns 'htmltidy' but it should return 'html_tidy'" had
    been planned as a feature with a made-up `underscore_acronym`; 13's "Bug: `LRUCache`
    evicts ..." as a new `popitem`."""
    names = [(m.group(1).rsplit(".", 1)[-1], m.group(2) == "(") for m in _NAME.finditer(request)]
    if _LABELLED_BUG.match(request) and any(n in known for n, _ in names):
        return True  # "Bug: `LRUCache` evicts ...": the client says what it is
    # a built-in in the report's example (13's "`sorted(c)` is `[2, 3]`") is not the change's
    called = [n for n, call in names if call and (n in known or not hasattr(builtins, n))]
    if not called or any(name not in known for name in called):
        return False
    return guess_kind(request) == "bug" or bool(_BUT_SHOULD.search(request))


def fresh_names(request: str, repo: RepoMap, the_plan: Plan) -> list[str]:
    """What a feature adds: the functions the plan names that the request writes as calls too
    (`is_compatible(other)`: not its parameter `other`) and nothing in the repository defines."""
    known = repo.symbol_names()
    asked = {m.group(1).rsplit(".", 1)[-1] for m in _NAME.finditer(request) if m.group(2) == "("}
    names = [n.rsplit(".", 1)[-1] for n in the_plan.functions]
    return [
        n
        for n in dict.fromkeys(names)
        if n in asked and n not in known and not hasattr(builtins, n)
    ]


def outline(repo: RepoMap, path: str) -> str:
    fmap = repo.get(path)
    return fmap.outline() if fmap else f"{path} (new file)"


def test_example(repo: RepoMap, root_files: dict[str, str], target: str = "") -> str:
    """The imports of an existing test file, one that imports `target`'s module when there is
    one: how this project imports its code. Only the imports: shown its first tests or data, a
    small model copied them into the new file."""
    module = module_of(target) if target else ""
    heads = [
        (f.path, head)
        for f in repo.files
        if f.is_test and f.path.rsplit("/", 1)[-1].startswith("test") and f.symbols
        if (head := _import_lines(root_files.get(f.path, "")))
    ]
    if not heads:
        return ""
    path, head = min(heads, key=lambda h: bool(module) and module not in h[1])  # first match
    return f"An existing test file, {path}, imports:\n```python\n{head}\n```\n\n"


def _import_lines(text: str) -> str:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ""
    nodes = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    return "\n".join(ast.get_source_segment(text, n) or "" for n in nodes[:12])


def write_tests(
    ctx: Context,
    repo: RepoMap,
    the_plan: Plan,
    target: str,
    example: str,
    temperature: float,
    examples: Sequence[Doctest] = (),
    fresh: Sequence[str] = (),
) -> str | None:
    """A new pytest file for the change, or None when the model gave no usable one; its
    asserts that the client's `examples` show wrong are left out. `fresh`: what a feature adds
    (named, with its import: shown only the existing file's imports, the 1.5B tested the
    functions already there, `ceil` and `floor` for a new `clamp`)."""
    purpose = (
        "reproduce the reported bug: they must fail on the current code and pass once it is fixed"
        if the_plan.kind == "bug"
        else "check the new behaviour"
    )
    persona = "You are QA. You write the tests for a change before the code is written."
    adds = what_it_adds(fresh, the_plan.functions, module_of(target), ctx.request)
    task = (
        f"The code lives in `{target}` (import it as `{module_of(target)}`). Its outline:\n"
        f"{outline(repo, target)}\n\n{example}{adds}"
        f"Write a pytest file with 3 to 6 short test functions that {purpose}. Assert only what "
        "the request states; no fixtures, no network, no files. Reply with one ```python block."
    )
    reply = ctx.ask(ctx.prompt(persona, task), max_tokens=700, temperature=temperature)
    code = clean_tests(reply)
    if code:
        sources = {f: ctx.read(f) for f in the_plan.files if (ctx.root / f).is_file()}
        modules = {module_of(f): text for f, text in sources.items()}
        wanted = {n: module_of(target) for n in the_plan.functions if "." not in n}
        # made-up keywords first: a test then split holds only checks of the real API
        code = known_keywords(code, list(sources.values()), ctx.request)
        if code:
            code = add_imports(unwrap_assertion_raises(split_asserts(code)), modules, wanted)
    if code:
        code = against_examples(code, examples)
    names = {n.rsplit(".", 1)[-1] for n in [*the_plan.functions, *named_symbols(ctx.request)]}
    if not code or not names:  # nothing named to judge by: every test stays
        return code
    return on_topic(code, names)


def what_it_adds(fresh: Sequence[str], planned: list[str], module: str, request: str) -> str:
    """QA's line about what a feature adds, and how to import it: a module-level function is
    bare in the plan and never called as a method in the request (`Version(0, 1, 0)
    .is_compatible(...)` is a method, imported with its class)."""
    if not fresh:
        return ""
    top = [n for n in fresh if n in planned and not re.search(rf"\.{re.escape(n)}\b", request)]
    said = f"The change adds {', '.join(f'`{n}`' for n in fresh)} (not in the file yet)"
    if top:
        said += f"; import with `from {module} import {', '.join(top)}`"
    return said + ". Every test calls what the change adds.\n\n"


def file_view(text: str, path: str, functions: list[str]) -> str:
    """The file as the engineer sees it: whole when short, else its outline plus the source of
    the functions the plan names."""
    lines = text.splitlines()
    if len(lines) <= WHOLE_FILE_LINES:
        return f"File `{path}`:\n```python\n{text.rstrip()}\n```"
    from macrohard.solve.repomap import parse_file

    fmap = parse_file(path, text)
    known = {sym.name for sym in fmap.symbols}
    picked = [
        sym.name
        for name in functions
        for sym in fmap.symbols
        if sym.name == name or sym.name.endswith("." + name)
    ]
    helpers = [c for q in picked for c in callees(function_source(text, q), q, known)]
    picked = list(dict.fromkeys([*picked, *helpers[:CALLEES_SHOWN]]))
    shown = [source for q in picked if (source := function_source(text, q))]
    head = "\n".join(lines[:30])
    parts = [
        f"File `{path}` ({len(lines)} lines). Its outline:\n{fmap.outline()}",
        f"Its first lines:\n```python\n{head}\n```",
    ]
    if shown:
        said = "The functions in question (and the file's functions they call)"
        parts.append(f"{said}:\n```python\n" + "\n\n".join(shown) + "\n```")
    return "\n\n".join(parts)


def callees(source: str, qualname: str, known: set[str]) -> list[str]:
    """The functions of the file that `source` (the function `qualname`) calls: its class's
    methods called on `self` (`self.__update(key)`), and the module's functions. A bug reported
    in what a method does often lives in the helper it calls."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return []
    owner = qualname.rsplit(".", 1)[0] if "." in qualname else ""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in ("self", "cls") and owner:
                found.append(f"{owner}.{func.attr}")
        elif isinstance(func, ast.Name):
            found.append(func.id)
    return [q for q in dict.fromkeys(found) if q in known and q != qualname]


EDIT_RULES = (
    "Reply with one ```python block holding only the complete new or changed functions or "
    "classes (whole definitions, with any imports they need). Do not repeat code you do not "
    "change. To add or change a method, write its class with only that method inside "
    "(`class Name:` and the method): the rest of the class stays as it is. "
    "To change a few lines outside functions (a constant, an import), or a few lines "
    "of a long function, reply instead with SEARCH/REPLACE blocks, the file's path on the line "
    "before each:\n{path}\n<<<<<<< SEARCH\nthe exact lines to change\n=======\nthe new lines\n"
    ">>>>>>> REPLACE"
)


SEARCH_RULES = (
    "The file is long: change only the lines that need it. Reply with SEARCH/REPLACE blocks, "
    "each a few lines copied exactly from the file and their new version, the file's path on "
    "the line before:\n{path}\n<<<<<<< SEARCH\nthe exact lines to change\n=======\n"
    "the new lines\n>>>>>>> REPLACE\nA new function goes in a ```python block instead; a new "
    "method too, inside its class written with only that method (`class Name:` and the method)."
)


NEW_RULES = (
    "Write {names} for `{path}`, as the request describes. Reply with one ```python block "
    "holding only the new definitions (and any imports they need): they are added to the file "
    "as they are, where they can use its functions, classes and imports. A new method goes "
    "inside its class written with only that method (`class Name:` and the method)."
)


# the most stop strings an OpenAI-compatible endpoint takes
STOPS = 4
# a reply's finish reasons when it was cut short: its token limit, or the repetition guard
CUT = CUT_OFF | {"loop"}


def copy_stops(text: str, fresh: Sequence[str]) -> list[str]:
    """Where a reply that is to hold only new definitions has begun to copy the file out: the
    `def` heads of the file's first module-level functions and of its classes' first methods,
    as indented (a feature's reply may not replace them, so nothing from there on is kept).
    Asked for `findall`, 14's model wrote `parse.py`'s head out again: 435 tokens, 40 s of a
    5-minute budget (and 01's its constants, 415 tokens: the first constant stops it too);
    asked for the method `is_compatible`, 11's wrote `Version.__init__` and
    more of the class first (52-95 s a reply on a slow CPU)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    new = {name.rsplit(".", 1)[-1] for name in fresh}
    defs = ast.FunctionDef | ast.AsyncFunctionDef
    heads = [f"def {n.name}(" for n in tree.body if isinstance(n, defs) and n.name not in new]
    # the file's first constant (01's model wrote `__version__ = ...` and PLURALS out first)
    heads[:0] = [
        f"\n{t.id} = "
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name) and (t.id.isupper() or t.id.startswith("__"))
    ][:1]
    methods = [
        f"{' ' * n.col_offset}def {n.name}("
        for c in tree.body
        if isinstance(c, ast.ClassDef)
        for n in c.body
        if isinstance(n, defs) and n.name not in new
    ]
    # both kinds when the file has both: the module's functions first
    shares = min(len(heads), max(STOPS - len(methods), STOPS // 2))
    return list(dict.fromkeys(heads[:shares] + methods))[:STOPS]


def write_edit(
    ctx: Context,
    the_plan: Plan,
    target: str,
    text: str,
    tests: str,
    failures: str = "",
    examples: list[str] | None = None,
    *,
    temperature: float = 0.0,
    fresh: list[str] | None = None,
) -> str:
    """The engineer's change to `target`, as the model's reply (applied by solve.edits). With
    `fresh` (a feature's new functions), only those new definitions are asked for: asked to edit
    a long file for a new function, the 1.5B rewrote its head or gave a broken SEARCH block."""
    parts = [file_view(text, target, the_plan.functions)]
    if not fresh:
        parts.append(f"Plan: {the_plan.summary}")
    if examples:
        parts.append("The client's examples must hold:\n" + "\n".join(examples))
    if tests:
        parts.append(f"These new tests must pass:\n```python\n{tests.rstrip()}\n```")
    if failures:  # labelled by the caller: a miss, how a bug shows, a failed attempt
        parts.append(failures)
    if fresh:
        persona = "You are an engineer adding to existing code."
        listed = ", ".join(f"`{n}`" for n in fresh)
        parts.append(NEW_RULES.format(names=f"the new {listed}", path=target))
    else:
        persona = "You are an engineer changing existing code."
        long = text.count("\n") > WHOLE_FILE_LINES
        parts.append((SEARCH_RULES if long else EDIT_RULES).format(path=target))
    prompt = ctx.prompt(persona, "\n\n".join(parts))
    stops = copy_stops(text, fresh) if fresh else []
    max_tokens = 700 if fresh else 900
    done = ctx.model.complete(prompt, max_tokens=max_tokens, temperature=temperature, stop=stops)
    reply = done.text
    if stops and done.finish_reason not in CUT and reply.count("```") % 2:
        reply += "\n```"  # stopped where the copying began: what came before is whole
    return reply


def write_function(
    ctx: Context,
    target: str,
    source: str,
    failures: str,
    temperature: float,
    related: str = "",
    called: str = "",
    doc: bool = True,
    hidden: bool = False,
) -> str:
    """A new version of one failing function, as the model's reply. The request goes with it (a
    function fixed without knowing what it is for gets fixed to the failure only), and so do the
    signatures of the other functions the plan names (`related`), which it may call, and the
    whole source of functions it calls that the failing tests ran too (`called`), where the
    fault may be instead. The answer begins with the function's signature and, when `doc` (the
    repository's own docstring, not one this run wrote), its docstring. When `hidden`, `source`
    is the function with its body hidden (`...`): its last version, which was wrong and which a
    small model shown it mostly gives back unchanged, is to be written anew."""
    persona = "You are an engineer fixing one function of existing code."
    helpers = (
        f"It may use these functions of the file:\n```python\n{related}\n```\n\n" if related else ""
    )
    if called:
        helpers += (
            "It calls these functions of the file, which the failing tests ran too; the fault "
            f"may be in one of them instead:\n```python\n{called}\n```\n\n"
        )
        ask = (
            "Write the corrected function, or the called function where the fault is. Reply "
            "with one ```python block holding each function you change, whole."
        )
    else:
        ask = (
            "Write the corrected function. Reply with one ```python block holding the whole "
            "function."
        )
    hid = " (its wrong body is hidden as `...`: write it anew)" if hidden else ""
    task = (
        f"The request:\n{ctx.request}\n\n"
        f"In `{target}`, this function fails the tests{hid}:\n```python\n{source}\n```\n\n"
        f"{helpers}Failures:\n{failures}\n\n{ask}"
    )
    convo = ctx.prompt(persona, task)
    # one function asked for: the answer starts at its signature and docstring and stops at
    # the next def. Unprompted, the 1.5B wrote 04's 15-line docstring again in every round (on
    # this CPU ~15 s each) and began 11's method with the module's imports and its class; a
    # docstring the model wrote is not repeated to it (05's first `clamp` had copied `ceil`'s)
    fills = not called and getattr(ctx.model, "supports_prefill", False)
    head = def_head(source, doc) if fills else ""
    if not head:
        return ctx.ask(convo, max_tokens=600, temperature=temperature)
    convo.append(assistant(f"```python\n{head}"))
    reply = ctx.ask(convo, max_tokens=600, temperature=temperature, stop=next_def(head))
    return f"```python\n{head}{reply}"


def signatures(code: str, names: list[str], skip: str = "") -> str:
    """The `def` lines of the named functions found in `code` (as written, over several lines
    when the file has them so), each with a `...` body; `skip` left out."""
    lines = []
    for name in names:
        if name == skip:
            continue
        source = function_source(code, name)
        if not source:
            continue
        head = source.splitlines()
        cut = next((i for i, line in enumerate(head) if line.rstrip().endswith(":")), 0)
        lines.append("\n".join(head[: cut + 1]) + "\n    ...")
    return "\n\n".join(lines)
