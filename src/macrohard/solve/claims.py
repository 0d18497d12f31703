"""Checkable claims in a request's prose: `call(args)` ... "should return" a literal.

Bug reports and feature requests state expected results in sentences more often than in `>>>`
sessions: "titlecase('the lord') returns 'The Lord' but should return 'the Lord'", "expected
`slugify('a b') == 'a-b'`", "ordinal(1) should give 'st'". Each becomes a doctest (the call, the
expected value's repr), checked like the client's own examples: no model involved. The actual
value a report quotes ("returns X but ...") is not a claim; the expected one is ("should return
Y", "instead of Y", "expected Y"): the first expectation in the sentence that a literal follows.
"""

from __future__ import annotations

import ast
import builtins
import re

from macrohard.company.examples import Doctest

_CALL = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*\((?:[^()\n]|\([^()\n]*\))*\))")
# what a call's value goes on to: `.attr`, `.method(...)`, `[key]`, as far as it goes
_TRAIL = re.compile(r"(?:\.[A-Za-z_]\w*(?:\((?:[^()\n]|\([^()\n]*\))*\))?|\[[^\[\]\n]*\])+")
_EXPECT = re.compile(
    r"\b(?:should|must|ought\s+to|is\s+supposed\s+to)\s+(?:instead\s+)?"
    r"(?:return|give|be|equal|produce|yield|output|print)(?:\s+back)?\b"
    r"|\b(?:expected|expecting|wanted|want)(?:\s+(?:result|output|value|answer))?"
    r"(?:\s+(?:is|was|would\s+be))?"
    r"|\binstead\s+of\b|==|->|→|=>",
    re.I,
)
MAX_LITERAL = 300
_BUILTINS = frozenset(dir(builtins))


def _self_contained(call: ast.expr) -> bool:
    """Whether a claimed call can run on its own: every name in it is a called function (or
    the module it is reached through) or a builtin. `sorted(c) is [1, 3]` needs the `c` that
    the request built in earlier sentences: checked alone, it fails whatever the code does."""
    called: set[str] = set()
    for node in ast.walk(call):
        if isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                called.add(root.id)
    names = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
    return all(name in called or name in _BUILTINS for name in names)


def _literal(text: str) -> tuple[object, str] | None:
    """The longest Python literal at the start of `text` (backticks around it allowed), with
    its source; None when none is there."""
    text = text.lstrip()
    fence = text.startswith("`")
    if fence:
        text = text[1:]
    best: tuple[object, str] | None = None
    for end in range(min(len(text), MAX_LITERAL), 0, -1):
        piece = text[:end].strip()
        if not piece or piece[-1] in ",:;" or (fence and "`" in piece):
            continue
        after = len(piece)  # `text` is stripped on the left, so the piece starts at 0
        if piece.endswith(".") and (after >= len(text) or text[after].isspace()):
            continue  # the sentence's full stop, not a float's
        try:
            value = ast.literal_eval(piece)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        best = (value, piece)
        break
    return best


def claims(request: str) -> list[Doctest]:
    """Every `call ... should return LITERAL` the request states, as a doctest."""
    found: list[Doctest] = []
    seen: set[str] = set()
    for match in _CALL.finditer(request):
        call, end = match.group(1), match.end()
        if call.split("(", 1)[0] in ("print", "len", "str", "repr"):
            continue
        if trail := _TRAIL.match(request, end):  # `Run(x).skipped is {...}`: the whole chain
            call, end = call + trail.group(0), trail.end()
        after = request[end : end + 200]
        nxt = _CALL.search(after)
        window = after[: nxt.start()] if nxt else after
        # the first expectation with a literal after it: "returns 'A' but should return 'B'"
        # quotes the actual value first, without an expectation word
        literal = None
        for expect in _EXPECT.finditer(window):
            literal = _literal(window[expect.end() :].lstrip(" :"))
            if literal is not None:
                break
        if literal is None:
            continue
        try:
            parsed = ast.parse(call, mode="eval")
        except SyntaxError:
            continue
        if not _self_contained(parsed.body):
            continue
        if call in seen:
            continue
        seen.add(call)
        value, _ = literal
        found.append(Doctest((), call, repr(value) + "\n", None))
    return found
