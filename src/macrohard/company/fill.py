"""Filling an outline member by member: the model continues the file at each `...` body.

Asked to fill a whole outline in one reply, the 1.5B model copies every signature and docstring
back out before it writes a line of code (on a 200-line file, half its tokens) and may drop or
rename a member on the way. Here the file is written by continuation: the prompt's answer is
the outline up to a member's body, the model writes that body and is stopped where the next
member of the outline begins. The outline's own text is never generated again, each body is
written with its docstring just above it, and since every call extends the one before, the
embedded model reads only the new docstring each time (llama.cpp reuses the cached prefix).

Members are filled in file order, so a method sees the constructor's attributes. A helper
method the model writes after a body is kept, except after a class's last member, where the
model, seeing nothing more of the class, went on inventing methods to the token limit. A body that
ignores one of its parameters (06's constructor dropped `on_evict`, so no eviction was ever
reported), or that assigns an attribute its docstring says it leaves alone ("`evictions` ...
not reset by `clear()`", and every 06 build's `clear` set `self.evictions = 0`), is sampled
once more, and the one with fewer such faults is kept; an assignment the docstring forbids that
is still there is then taken out; a constructor that still ignores a parameter keeps it as an
attribute of its name, so the members after it see it. A body that is a copy of the member its
docstring says it is "like `get` but ..." is a fault too (06's `peek` moved the entry to the end
like `get`). A body that comes
back empty, cut short or unparsable is left as `raise NotImplementedError` so the file still
imports and the failing tests point at that member.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from macrohard.company.splice import parses
from macrohard.models.base import Message, assistant
from macrohard.synth.imports import add_missing_imports

_FENCE = "```"
HEAD_TOKENS = 160  # the imports before the outline
BODY_TOKENS = 1200  # one member's body (and any helpers it writes beside it)
UNFILLED = "raise NotImplementedError"
RETRIES = 1  # samples more of a body that ignores one of its parameters
LIKE_RETRIES = 2  # and more of one "like `get` but ..." (06's peek: a copy, then a call of get)


@dataclass(frozen=True)
class Hole:
    """A `...` body of the outline: its line (0-based), its indentation and its `def` line's,
    and the text of the next non-blank outline line (where the model's continuation stops)."""

    line: int
    indent: str
    outer: str
    name: str
    follows: str
    params: tuple[str, ...] = ()  # the parameters a body should read (not self, cls, *args)
    def_line: int = 0
    keeps: tuple[str, ...] = ()  # attributes its docstring says it leaves alone
    unlike: str = ""  # the member its docstring says it is "like ... but" (not a copy of)


def holes(outline: str) -> list[Hole]:
    """Every function or method whose body is only a docstring and `...`, in file order."""
    tree = ast.parse(outline)
    lines = outline.splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        last = body[-1]
        if not (isinstance(last, ast.Expr) and _is_ellipsis(last.value)) or len(body) > 2:
            continue
        if len(body) == 2 and ast.get_docstring(node, clean=False) is None:
            continue
        at = last.lineno - 1
        follows = next((s.strip() for s in lines[at + 1 :] if s.strip()), "")
        params = tuple(
            a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        )
        params = tuple(p for p in params if p not in ("self", "cls") and not p.startswith("_"))
        found.append(
            Hole(
                at,
                _indent(lines[at]),
                _indent(lines[node.lineno - 1]),
                node.name,
                follows,
                params,
                node.lineno - 1,
                kept_by(ast.get_docstring(node) or "", node.name),
                likened(ast.get_docstring(node) or "", node.name),
            )
        )
    return sorted(found, key=lambda h: h.line)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _stops(follows: str) -> list[str]:
    """Where a continuation ends: the next outline line, at any indentation (the model may write
    it with its own arguments: cut at its name), or the end of the code block."""
    stops = ["\n" + _FENCE]
    if follows:
        head = re.match(r"((?:async\s+)?def\s+\w+\s*\(|class\s+\w+\s*[(:]|@\w+)", follows)
        stops.append(head.group(1) if head else follows)
    return stops


def _body(text: str, outer: str) -> str:
    """The continuation's lines that belong where it was written: inside a class, the body and
    any helper methods after it (lines indented deeper than the class); at the top level,
    everything (helpers, constants, a `__main__` block: demo calls are dropped later)."""
    kept: list[str] = []
    for line in text.rstrip().splitlines():
        if outer and line.strip() and not line.startswith(outer):
            break
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def without_demos(code: str) -> str:
    """`code` without its top-level calls (`print(top_words("a b", 1))`): a file that runs a demo
    when imported prints into its tests or waits on stdin."""
    tree = ast.parse(code)
    lines = code.splitlines()
    for node in reversed(tree.body):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            del lines[node.lineno - 1 : node.end_lineno]
    return "\n".join(lines) + "\n"


Continue = Callable[[list[Message], list[str], int, int], str]


def fill(outline: str, messages: list[Message], continue_: Continue) -> str:
    """The outline with every `...` body written by `continue_(messages + [answer so far],
    stop strings, max tokens, attempt)`, which returns the model's continuation of the answer
    (attempt 0 is the first; a later one is asked to sample)."""
    source = outline.splitlines()
    found = holes(outline)
    first = next((i for i, s in enumerate(source) if s.strip()), 0)
    head: list[str] = []
    # an outline that opens with its docstring has its imports after it (the model, asked for
    # what comes first, wrote the docstring out again: 160 tokens, 39 s of 04-kvstore's build)
    if not source[first].lstrip().startswith(('"""', "'''")):
        stops = [*_stops(source[first]), "\nclass ", "\ndef ", "\n@"]
        head = _imports(continue_(_ask(messages, ""), stops, HEAD_TOKENS, 0))
    done = [*head, *([""] if head else [])]
    members = {h.name for h in found}
    at = 0
    for hole in found:
        done += source[at : hole.line]
        rest = source[hole.line + 1 :]
        stops = _stops(hole.follows)
        after = next((line for line in rest if line.strip()), "")
        if hole.outer and not after.startswith(hole.outer):
            # the class's last member: a method the model goes on to invent ends the body (04's
            # handler grew do_GET_keys, do_PUT_keys ... to the token limit: 164 s)
            stops += [f"\n{hole.outer}def ", f"\n{hole.outer}async def ", f"\n{hole.outer}@"]
        best, missed = hole.indent + UNFILLED, len(hole.params) + len(hole.keeps) + 2
        # a copy of the member it is "like ... but" is short and comes back more than once
        for attempt in range(1 + RETRIES + (LIKE_RETRIES if hole.unlike else 0)):
            text = continue_(_ask(messages, _joined(done)), stops, BODY_TOKENS, attempt)
            body = _body(text, hole.outer)
            inside = body.lstrip("\n").startswith(hole.indent)  # not a line the def left
            code = _joined([*done, body, *rest])
            if not body.strip() or not inside or not parses(code):
                break  # cut short or broken: the whole-file reply is the better next try
            node = _function_at(code, _def_line(done, hole))
            faults = len(_unread(node, hole.params)) + len(_assigned(node, hole.keeps))
            faults += _copied(code, node, hole.unlike)
            if faults < missed:
                best, missed = body, faults
            if not faults:
                break
        if hole.keeps and best.strip() != UNFILLED:
            best = _unassigned(done, best, rest, hole)
        if hole.name == "__init__" and hole.outer and best.strip() != UNFILLED:
            best = _stored(done, best, rest, hole, members)
        done.append(best)
        at = hole.line + 1
        done = _imported(done, source[at:])
    done += source[at:]
    return without_demos(_joined(done))


Function = ast.FunctionDef | ast.AsyncFunctionDef


def _function_at(code: str, def_line: int) -> Function | None:
    """The function of `code` defined at line `def_line` (0-based)."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, Function) and node.lineno - 1 == def_line:
            return node
    return None


def _unread(node: Function | None, params: tuple[str, ...]) -> list[str]:
    """The parameters the function never reads: an ignored `on_evict` or `default` is a rule
    of the request the body forgot."""
    if node is None:
        return []
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return [p for p in params if p not in read]


_LIKE = re.compile(r"\blike\s+`(?:\w+\.)?(\w+)(?:\(|`)[^.;]*?\bbut\b")


def likened(doc: str, name: str) -> str:
    """The member a docstring says this one is "like `get` but ..." (so not the same code)."""
    match = _LIKE.search(doc)
    return match.group(1) if match and match.group(1) != name else ""


def _copied(code: str, node: Function | None, unlike: str) -> int:
    """1 when the function's code is the same as that of `unlike` (a member of the same class
    or module), or one that calls it: 06's `peek`, "like `get` but does **not** change
    recency", came back as a copy of `get`, moving the entry to the end, and resampled as
    `return self.get(key, default)`."""
    if node is None or not unlike:
        return 0
    for call in ast.walk(node):  # or hands the work to it: `return self.get(key, default)`
        if isinstance(call, ast.Call) and unlike in (
            getattr(call.func, "attr", None),
            getattr(call.func, "id", None),
        ):
            return 1
    for other in ast.walk(ast.parse(code)):
        if isinstance(other, Function) and other.name == unlike and other is not node:
            return int(_statements(other) == _statements(node))
    return 0


def _statements(node: Function) -> list[str]:
    body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
    return [ast.dump(stmt) for stmt in body]


_CHANGED = r"(?:reset|chang|modifi|clear|touch|alter)\w*"


def kept_by(doc: str, name: str) -> tuple[str, ...]:
    """The attributes a member's docstring says it leaves alone: the subject of a bullet that
    says "not reset by `clear()`", or what "`clear()` ... does not reset `evictions`" names."""
    found: list[str] = []
    call = rf"`(?:\w+\.)?{re.escape(name)}\("
    for paragraph in re.split(r"\n(?=\S)", doc):  # a bullet's further lines are indented
        subject = re.match(r"\s*`\.?([A-Za-z_]\w*)`", paragraph)
        if subject and re.search(
            rf"\b(?:not|never)\s+(?:be\s+)?{_CHANGED}\s+by\s+{call}", paragraph
        ):
            found.append(subject.group(1))
        if re.match(rf"\s*{call}", paragraph):
            said = rf"\b(?:does\s+not|doesn't|never)\s+{_CHANGED}\s+(?:the\s+)?`\.?(\w+)`"
            found += re.findall(said, paragraph)
    return tuple(dict.fromkeys(a for a in found if a != name))


def _assigned(node: Function | None, attributes: tuple[str, ...]) -> list[ast.stmt]:
    """The function's statements that assign `self.<attribute>`."""
    if node is None or not attributes:
        return []
    return [
        stmt
        for stmt in ast.walk(node)
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        and any(_self_attribute(t, attributes) for t in _targets(stmt))
    ]


def _targets(stmt: ast.Assign | ast.AugAssign | ast.AnnAssign) -> list[ast.expr]:
    return stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]


def _self_attribute(target: ast.expr, attributes: tuple[str, ...]) -> bool:
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
        and target.attr in attributes
    )


def _unassigned(done: list[str], body: str, rest: list[str], hole: Hole) -> str:
    """`body` without its assignments to the attributes the member leaves alone, when the file
    still compiles without them (a body of only that assignment becomes `pass`)."""
    start = _joined(done).count("\n")
    def_line = _def_line(done, hole)
    lines = body.split("\n")
    drop: set[int] = set()
    for stmt in _assigned(_function_at(_joined([*done, body, *rest]), def_line), hole.keeps):
        end = stmt.end_lineno or stmt.lineno
        drop.update(range(stmt.lineno - 1 - start, end - start))
    if not drop:
        return body
    kept = [line for i, line in enumerate(lines) if i not in drop]
    if not any(line.strip() for line in kept):
        kept = [hole.indent + "pass"]
    shorter = "\n".join(kept).rstrip()
    return shorter if parses(_joined([*done, shorter, *rest])) else body


def _stored(done: list[str], body: str, rest: list[str], hole: Hole, members: set[str]) -> str:
    """A constructor `body` that still ignores some of its parameters after the retry, with each
    kept as an attribute of its own name (`_name` where a method or property has the name): the
    members filled after it then see it. Every 06-lrucache build's constructor dropped
    `on_evict`, resampled or asked to repair, so no eviction was ever reported."""
    unread = _unread(
        _function_at(_joined([*done, body, *rest]), _def_line(done, hole)), hole.params
    )
    if not unread:
        return body
    kept = [f"{hole.indent}self.{'_' if p in members else ''}{p} = {p}" for p in unread]
    longer = "\n".join([body.rstrip(), *kept])
    return longer if parses(_joined([*done, longer, *rest])) else body


def _imported(done: list[str], rest: list[str]) -> list[str]:
    """`done` with the imports its bodies need and lack added at its head at once, rather than
    to the finished file: each later call then extends the one before, and the finished file is
    the last call's answer plus its body, so the first repair's prompt (that answer again) is
    read from llama.cpp's cache. With `import collections` added to the file alone, 01-money's
    first repair re-read its 4,821 tokens (159 s)."""
    code = _joined([*done, *rest])
    longer = add_missing_imports(code)  # `code` parses: the outline with some bodies written
    added = longer.count("\n") - code.count("\n")
    if added <= 0:
        return done
    return longer.splitlines()[: _joined(done).count("\n") + added]  # `done` holds whole bodies


def _def_line(done: list[str], hole: Hole) -> int:
    """The line (0-based) of `hole`'s `def` in the file written so far (`done` holds whole
    bodies, so the outline's own line numbers have moved)."""
    return _joined(done).count("\n") - (hole.line - hole.def_line)


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _ask(messages: list[Message], so_far: str) -> list[Message]:
    return [*messages, assistant(f"{_FENCE}python\n{so_far}")]


def _imports(text: str) -> list[str]:
    """The import lines of the file's head (anything else the model wrote there is dropped)."""
    return [
        line.rstrip()
        for line in text.splitlines()
        if re.match(r"(?:from\s+[\w.]+\s+)?import\s+\w", line) and parses(line)
    ]
