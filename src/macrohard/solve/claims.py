"""Checkable claims in a request's prose: `call(args)` ... "should return" a literal.

Bug reports and feature requests state expected results in sentences more often than in `>>>`
sessions: "titlecase('the lord') returns 'The Lord' but should return 'the Lord'", "expected
`slugify('a b') == 'a-b'`", "ordinal(1) should give 'st'". Each becomes a doctest (the call, the
expected value's repr), checked like the client's own examples: no model involved. The actual
value a report quotes ("returns X but ...") is not a claim; the expected one is ("should return
Y", "instead of Y", "expected Y"): the first expectation in the sentence that a literal follows.
A claim about a name the request built earlier in backticks (`c = LRUCache(2)`, `c[1] = 1`)
runs those statements first.
"""

from __future__ import annotations

import ast
import builtins
import doctest
import re

from macrohard.company.examples import Doctest
from macrohard.company.splice import functions

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
DOCUMENTED_LIMIT = 8  # examples taken from the docstrings of the functions a change is about
_SPAN = re.compile(r"`([^`\n]+)`")
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
    names = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)} - _bound(call)
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


# a result stated plainly right after the call: "`is_compatible(...)` is True", "`f(2)` gives 4"
_PLAIN = re.compile(r"`?\s*(?:is|are|returns?|gives?|equals?|evaluates\s+to)\s+", re.I)
# ... unless the sentence says the result is wrong
_CONTRAST = re.compile(
    r"\b(but|wrong|incorrect|instead|should|bug|broken|however|although|rather)\b", re.I
)


def claims(request: str, plain: bool = False) -> list[Doctest]:
    """Every `call ... should return LITERAL` the request states, as a doctest. With `plain`
    (a feature request: what it says a call gives is what is wanted), a result stated right
    after the call counts too ("`v.is_compatible(w)` is True"), unless its sentence says
    something is wrong; in a bug report the same words quote what the code does now."""
    found: list[Doctest] = []
    seen: set[str] = set()
    spans = [s for s in _SPAN.finditer(request) if _expression(s.group(1))]
    for match in _CALL.finditer(request):
        call, end = match.group(1), match.end()
        if call.split("(", 1)[0] in ("print", "len", "str", "repr"):
            continue
        if trail := _TRAIL.match(request, end):  # `Run(x).skipped is {...}`: the whole chain
            call, end = call + trail.group(0), trail.end()
        # a call inside a larger expression in backticks: what is stated is that expression's
        # result (14: `''.join(r[0] for r in findall(...))` should be 'the bold text')
        around = next((s for s in spans if s.start(1) <= match.start() < s.end(1)), None)
        inside = around is not None and request[around.start(1) : match.start()].strip()
        if around is not None and inside and end < around.end(1):
            call, end = around.group(1).strip(), around.end(1)
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
        if literal is None and plain and (said := _PLAIN.match(window)):
            sentence = re.split(r"[.!?](?:\s|$)|\n\n", request[end:], maxsplit=1)[0]
            if not _CONTRAST.search(sentence):
                literal = _literal(window[said.end() :])
        if literal is None:
            continue
        try:
            parsed = ast.parse(call, mode="eval")
        except SyntaxError:
            continue
        setup: tuple[str, ...] = ()
        if not _self_contained(parsed.body):
            built = _setup(request, match.start(), _free_names(parsed.body))
            if built is None:
                continue
            setup = built
        if call in seen:
            continue
        seen.add(call)
        value, _ = literal
        found.append(Doctest(setup, call, repr(value) + "\n", None))
    return found


def _expression(text: str) -> bool:
    try:
        ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return False
    return True


def _bound(expr: ast.expr) -> set[str]:
    """Names the expression binds itself: comprehension targets, `:=`, lambda parameters."""
    stored = {
        n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    params = {a.arg for n in ast.walk(expr) if isinstance(n, ast.Lambda) for a in n.args.args}
    return stored | params


def _free_names(call: ast.expr) -> set[str]:
    """The names a call reads that it does not call and that are not builtins (its data)."""
    called = {
        root.id
        for node in ast.walk(call)
        if isinstance(node, ast.Call)
        for root in [_root(node.func)]
        if isinstance(root, ast.Name)
    }
    names = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)} - _bound(call)
    return {n for n in names if n not in called and n not in _BUILTINS}


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


def _setup(request: str, start: int, needed: set[str]) -> tuple[str, ...] | None:
    """The statements in backticks earlier in the claim's paragraph that build what it reads,
    in order: "With `c = LRUCache(maxsize=2)`, then `c[1] = 1`, reading `c[1]` ..., `sorted(c)`
    should be `[1, 3]`" runs the assignment, the item set and the read first. None unless every
    name the claim needs is assigned there."""
    paragraph = request.rfind("\n\n", 0, start) + 1
    statements: list[str] = []
    defined: set[str] = set()
    for span in _SPAN.finditer(request, paragraph, start):
        code = span.group(1).strip()
        try:
            body = ast.parse(code).body
        except SyntaxError:
            continue
        if len(body) != 1:
            continue
        node = body[0]
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            roots = [_root(t) for t in targets]
            if not all(isinstance(r, ast.Name) for r in roots):
                continue
            names = {r.id for r in roots if isinstance(r, ast.Name)}
            if any(not isinstance(t, ast.Name) for t in targets) and not names <= defined:
                continue  # `c[1] = 1` before any `c = ...`
            defined |= names
            statements.append(code)
        elif isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if used & defined:  # `c[1]`: a read that the claim's result depends on
                statements.append(code)
    if not needed <= defined:
        return None
    return tuple(statements)


def documented(code: str, module: str, names: list[str]) -> list[Doctest]:
    """The `>>>` examples in the docstrings of the functions of `code` (the module `module`)
    that `names` names (`ceil`, `LRUCache.get`), each run after the statements before it in the
    same docstring. The project states there what its code does: a fix that keeps its own
    request's example but breaks one of them (`ceil(3.5, options=...)` now 2.5, not 4) is not
    a fix. Examples of an exception or of an object's default repr are left out."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []

    def named(qualname: str) -> bool:
        return any(
            q == n or q.endswith("." + n) or n.endswith("." + q) for n in names for q in [qualname]
        )

    top = _top_level_names(tree)
    parser = doctest.DocTestParser()
    found: list[Doctest] = []
    for qualname, node in functions(tree):
        if not named(qualname):
            continue
        text = ast.get_docstring(node) or ""
        try:
            examples = parser.get_examples(text)
        except ValueError:  # a malformed example: the docstring is not a doctest
            continue
        setup: list[str] = []
        known: set[str] = set()
        for example in examples:
            source = example.source.rstrip("\n")
            try:
                parsed = ast.parse(source)
            except SyntaxError:
                break
            reads = {
                n.id
                for n in ast.walk(parsed)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            }
            unknown = reads - known - _BUILTINS
            if not unknown <= top:  # a name from elsewhere (`strutils.x`): not checkable here
                break
            imports = [f"from {module} import {n}" for n in sorted(unknown)]
            setup += imports
            known |= unknown | {
                n.id
                for n in ast.walk(parsed)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
            if not example.want.strip():
                setup.append(source)
                continue
            if example.exc_msg is None and "<" not in example.want and "..." not in example.want:
                found.append(Doctest(tuple(setup), source, example.want, None))
    return found[:DOCUMENTED_LIMIT]


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names
