"""The outline an engineer fills in: the contract's classes, methods and functions, each with the
request's own words about it as its docstring and `...` as its body.

Asked for "the complete file" with a list of signatures, the 1.5B model writes the members it
thinks of first: its LRU cache had no `__len__`, no `__contains__` and no `evictions`, and 8 of
10 hidden tests failed on those alone. Given the file's outline, it fills in every body, and the
rule for each member (`peek` "does **not** change recency") sits at the line it is writing,
where a small model looks, not two pages up in the request.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable

from macrohard.company.artifacts import FileContract
from macrohard.company.contract import SPECIAL, file_names, general
from macrohard.company.mentions import SPAN, item, prose

_OWNER = re.compile(r"\bmethod of (\w+)")
_ATTRIBUTE = re.compile(r"\battributes?\b|\bpropert(?:y|ies)\b", re.I)
DOC_LIMIT = 500  # characters of request text per member


def _subjects(request: str, wanted: Callable[[str], bool], anywhere: bool = False) -> list[str]:
    """The request's bullets (or paragraphs) whose first backtick span `wanted` accepts, with
    their few sub-bullets; with `anywhere`, the bullets (alone) any span of which it accepts:
    "`a + b` and `a - b` for ...", not the "Arithmetic" bullet above them."""
    lines = request.splitlines()
    found: list[str] = []
    used = set[int]()
    for number, line in prose(lines):
        spans = SPAN.findall(line)
        if not spans or number in used:
            continue
        start, end = item(lines, number, children=not anywhere)
        text = "\n".join(lines[start:end])
        spans = SPAN.findall(text) if anywhere else SPAN.findall(text)[:1]
        if any(wanted(span.strip()) for span in spans):
            used.update(range(start, end))
            found.append(textwrap.dedent("\n".join(lines[start:end])).strip())
    return found


def _docstring(
    paragraphs: list[str],
    indent: str,
    quoted: dict[str, str],
    name: str,
    related: tuple[str, ...] = (),
) -> str:
    """The paragraphs as a docstring; a paragraph another member already quotes is pointed to
    (`See `__eq__`.`) and one that only repeats a signature is left out. `related` paragraphs
    (other members' bullets that name this one: "not reset by `clear()`") are quoted whole."""
    kept = []
    for paragraph in paragraphs:
        if len(SPAN.sub("", paragraph).split()) < 3:
            continue
        if paragraph in quoted:
            kept.append(f"See `{quoted[paragraph]}`.")
            continue
        quoted[paragraph] = name
        kept.append(paragraph)
    kept += [p for p in related if not any(p in q for q in paragraphs)]  # not a part again
    return quote(list(dict.fromkeys(kept)), indent)


def quote(texts: list[str], indent: str, limit: int = DOC_LIMIT) -> str:
    """The request's `texts` (bullets without their markers) as a docstring at `indent`, cut at
    a line end within `limit` characters; '' when there is nothing to say."""
    text = "\n".join(t.lstrip("-*+ ") for t in texts if t)
    if len(text) > limit:
        text = text[:limit].rsplit("\n", 1)[0] or text[:limit]
    text = text.replace("\\", "\\\\").replace('"""', "'''").strip()
    if not text:
        return ""
    return f'{indent}"""{textwrap.indent(text, indent).lstrip()}\n{indent}"""\n'


def _called(name: str) -> Callable[[str], bool]:
    """A span that calls `name`: `put(key, value) -> None`, `c.get(k)` (a bare `summarize` in
    a sentence about something else is only a mention)."""
    pattern = re.compile(rf"^(?:[A-Za-z_]\w*\.)?{re.escape(name)}(?:\(|\s*->)")
    return lambda span: bool(pattern.match(span))


def _class(name: str) -> Callable[[str], bool]:
    """The class's own line: `class Money(amount, currency="USD")`, `LRUCache(capacity: int)`
    (not an example such as `Money("1.5").amount == Decimal("1.50")`)."""
    args = r"\((?:[^()]|\([^()]*\))*\)"
    pattern = re.compile(rf"class\s+{re.escape(name)}(?:{args})?|{re.escape(name)}{args}")
    return lambda span: bool(pattern.fullmatch(span))


def _constructs(paragraph: str, name: str) -> bool:
    """A paragraph about the constructor: its first span calls the class (`Name(...)`), rather
    than declaring it (`class Name(...)`)."""
    spans = SPAN.findall(paragraph)
    return bool(spans) and spans[0].strip().startswith(f"{name}(")


def _special(name: str) -> Callable[[str], bool]:
    """A usage of the special method in general terms (`len(cache)`, `a + b`, `-m`), not an
    example with values (`0.1 + 0.2`, `Money("1") == Money("1.00")`)."""
    plain = {"__radd__": "__add__", "__rmul__": "__mul__"}.get(name, name)
    patterns = [p for p, sig in SPECIAL if sig.split("(")[0].removeprefix("def ") == plain]

    def wanted(span: str) -> bool:
        return general(span) and any(p.search(span) for p in patterns)

    return wanted


def _parameters(signature: str) -> set[str]:
    inside = signature.split("(", 1)[1].rsplit(")", 1)[0] if "(" in signature else ""
    return {p.split("=")[0].split(":")[0].strip(" *") for p in inside.split(",")} - {"self", ""}


def _initialised(request: str, params: set[str]) -> list[str]:
    """Bullets about the constructor's parameters (`amount` may be a `str` ...) and the
    object's attributes ("`capacity` attribute", "attributes: `.amount`")."""

    def wanted(span: str) -> bool:
        return bool(re.fullmatch(r"\.?[a-z_]\w*", span))

    found = []
    for text in _subjects(request, wanted):
        first = SPAN.findall(text)[0].strip().lstrip(".")
        if first in params or _ATTRIBUTE.search(text):
            found.append(text)
    return found


def _constants(request: str, path: str) -> list[str]:
    """The module constants the request spells out (`LEVELS = ("DEBUG", "INFO")`) in the part
    of the request about `path` (after it is named, before another file is)."""
    found, current = [], None
    for line in request.splitlines():
        named = file_names(line)
        if named:
            current = named[-1]
        for span in SPAN.findall(line):
            if not re.match(r"[A-Z][A-Z0-9_]*\s*=[^=]", span) or current not in (path, None):
                continue
            try:
                ast.parse(span)
            except SyntaxError:
                continue
            found.append(span.strip())
    return list(dict.fromkeys(found))


def _def(signature: str) -> str:
    sig = signature.split("#")[0].strip().rstrip(":")
    return sig if sig.startswith(("def ", "async def ")) else ""


def _constructor(cls: str, description: str) -> str:
    """`def __init__(self, amount, currency="USD")` from the class's `Money(amount, ...)` note."""
    match = re.match(rf"{re.escape(cls)}\((.*)\)\s*$", description.strip())
    if not match:
        return ""
    params = match.group(1).strip()
    return f"def __init__(self{', ' + params if params else ''})"


def _method_line(signature: str, doc: str, indent: str) -> str:
    return f"\n{indent}{signature}:\n{doc}{indent}    ...\n"


def _init_line(signature: str, called: list[str], request: str, quoted: dict[str, str]) -> str:
    """`__init__` with the bullets that call the class and those about its parameters and the
    object's attributes as its docstring."""
    about = [*called, *_initialised(request, _parameters(signature))]
    return _method_line(signature, _docstring(about, "        ", quoted, "__init__"), "    ")


def skeleton(contract: FileContract, request: str) -> str:
    """The file's outline; '' when the contract names no class or function to outline."""
    classes: dict[str, tuple[str, str]] = {}  # name -> (class line, constructor note)
    methods: dict[str, list[str]] = {}
    functions: list[str] = []
    for fn in contract.functions:
        head = fn.signature.split("#")[0].strip().rstrip(":")
        if head.startswith("class "):
            note = fn.signature.split("#", 1)[1].strip() if "#" in fn.signature else ""
            classes[fn.name] = (head, fn.description or note)
            continue
        signature = _def(fn.signature)
        if not signature:
            continue
        owner = _OWNER.search(fn.description)
        cls = owner.group(1) if owner else None
        if cls is None and re.search(r"\((?:self|cls)\b", signature) and classes:
            cls = list(classes)[-1]  # a model's spec lists a class's methods after it
        if cls in classes:
            methods.setdefault(cls, []).append(signature)
        elif cls is None:
            functions.append(signature)
    if not classes and not functions:
        return ""
    constants = _constants(request, contract.path)
    parts = ["\n".join(constants)] if constants else []
    quoted: dict[str, str] = {}  # paragraph -> the member whose docstring quotes it
    for name, (head, note) in classes.items():
        lines = [f"{head}:\n"]
        # "`LRUCache(capacity: int, on_evict=None)` - ... `on_evict` is called ..." is the
        # constructor's rule: at the class, the 1.5B model's `__init__` kept only the
        # attributes its own docstring named, and no member ever called `on_evict`
        described = _subjects(request, _class(name))
        called = [p for p in described if _constructs(p, name)]
        about = _docstring([p for p in described if p not in called], "    ", quoted, name)
        lines.append(about)
        init = _constructor(name, note)
        bodies = methods.get(name, [])
        if init and not any(" __init__(" in m for m in bodies):
            lines.append(_init_line(init, called, request, quoted))
        for signature in bodies:
            method = signature.split("(")[0].split()[-1]
            is_dunder = method.startswith("__") and method.endswith("__")
            if method == "__init__":
                lines.append(_init_line(signature, called, request, quoted))
                continue
            if is_dunder:
                found, related = _subjects(request, _special(method), anywhere=True), []
            else:
                found = _subjects(request, _called(method))
                related = _subjects(request, _called(method), anywhere=True)
            doc = _docstring(found, "        ", quoted, method, tuple(related))
            lines.append(_method_line(signature, doc, "    "))
        if len(lines) == 2 and not about:
            lines.append("    pass\n")
        parts.append("".join(lines).strip())
    for signature in functions:
        name = signature.split("(")[0].split()[-1]
        extra = tuple(_subjects(request, _called(name), anywhere=True))
        doc = _docstring(_subjects(request, _called(name)), "    ", quoted, name, extra)
        parts.append(_method_line(signature, doc, "").strip())
    outline = "\n\n\n".join(parts) + "\n"
    try:
        ast.parse(outline)
    except SyntaxError:
        return ""  # a signature a model's spec got wrong: the engineer works from the list
    return outline
