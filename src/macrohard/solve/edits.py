"""Edits a model proposes to existing files, applied reliably or refused with a clear reason.

Two forms are accepted, both touching only what they name:

- **search/replace blocks**, a file path on the line before each block:

      pkg/mod.py
      <<<<<<< SEARCH
      old lines
      =======
      new lines
      >>>>>>> REPLACE

  matched exactly, then ignoring trailing spaces, then ignoring a uniform indentation shift (the
  replacement is re-indented to the file's), then fuzzily (the most similar window of lines, if
  it is similar enough and clearly the best); an empty SEARCH creates the file or appends to it.
- **whole definitions**: a Python block of complete functions and classes. A function or method
  that exists is swapped in place (a method given without its class included), a class's methods
  are merged into the class, new ones are added (before a `__main__` guard), new imports go
  after the file's imports. Everything else in the file stays byte for byte.

A block that does not apply raises EditError naming the block and the closest lines the file has,
so the caller can send it back to the model once.
"""

from __future__ import annotations

import ast
import difflib
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass

from macrohard.company.splice import function_source, functions, span, splice
from macrohard.errors import EditError
from macrohard.gates.files import is_test_file
from macrohard.solve.repomap import module_of
from macrohard.synth.extract import fenced_blocks

FUZZY_MIN = 0.82  # similarity a fuzzy match needs
FUZZY_MARGIN = 0.04  # ...and how far ahead of the runner-up it must be
SHRINK_MIN_LINES = 12  # a new version of a function this long may not drop half of it
_BLOCK = re.compile(
    r"^(?P<head>[^\n]*)\n?<{5,9} ?SEARCH[^\n]*\n(?P<search>.*?)^={5,9}[ \t]*\n"
    r"(?P<replace>.*?)^>{5,9} ?REPLACE[^\n]*$",
    re.S | re.M,
)
_PATH = re.compile(r"([\w./-]+\.[A-Za-z0-9]+)")


@dataclass(frozen=True)
class Block:
    path: str
    search: str
    replace: str


def parse_blocks(reply: str, default_path: str = "") -> list[Block]:
    """The search/replace blocks of a reply; a block with no path line gets `default_path`."""
    blocks = []
    last_path = default_path
    for match in _BLOCK.finditer(reply):
        head = match.group("head").strip().strip("`*#: ")
        found = _PATH.findall(head)
        path = found[-1] if found else last_path
        last_path = path
        blocks.append(Block(path, match.group("search"), match.group("replace")))
    return blocks


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _reindent(lines: list[str], shift: int) -> list[str]:
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
        elif shift >= 0:
            out.append(" " * shift + line)
        else:
            cut = min(-shift, _indent(line))
            out.append(line[cut:])
    return out


def _windows_equal(have: list[str], want: list[str], loose: bool) -> list[int]:
    """Start lines where `want` matches `have`, ignoring trailing spaces (and, when `loose`,
    indentation)."""
    norm = str.strip if loose else str.rstrip
    target = [norm(s) for s in want]
    size = len(target)
    return [
        i for i in range(len(have) - size + 1) if [norm(s) for s in have[i : i + size]] == target
    ]


def apply_block(text: str, block: Block, prefer: Collection[str] = ()) -> str:
    """`text` with the block applied; EditError when it matches nowhere or ambiguously. Of
    several exact matches, the one inside the function or class `prefer` names (the plan's:
    `LRUCache.__getitem__` when an `MRUCache` has the same method) is taken, if only one is."""
    if not block.search.strip():
        return (text.rstrip("\n") + "\n\n" if text.strip() else "") + block.replace
    if text.count(block.search) == 1:
        return text.replace(block.search, block.replace, 1)
    have, want, new = _lines(text), _lines(block.search), _lines(block.replace)
    while want and not want[0].strip():  # blank lines at the edges say nothing
        want.pop(0)
    while want and not want[-1].strip():
        want.pop()
    tail = "\n" if text.endswith("\n") else ""
    for loose in (False, True):
        starts = _windows_equal(have, want, loose)
        if len(starts) > 1 and prefer:
            starts = _inside(text, starts, prefer) or starts
        if len(starts) == 1:
            start = starts[0]
            shift = 0
            if loose:  # the same lines at another indentation: move the replacement too
                first = next(i for i, s in enumerate(want) if s.strip())
                shift = _indent(have[start + first]) - _indent(want[first])
            body = _reindent(new, shift)
            return "\n".join(have[:start] + body + have[start + len(want) :]) + tail
        if len(starts) > 1:
            raise EditError(
                f"the SEARCH text for {block.path} matches {len(starts)} places (lines "
                f"{', '.join(str(s + 1) for s in starts[:5])}); include more lines around it"
            )
    start, ratio, runner_up = _fuzzy(have, want)
    if ratio >= FUZZY_MIN and ratio - runner_up >= FUZZY_MARGIN:
        first = next((i for i, s in enumerate(want) if s.strip()), 0)
        shift = _indent(have[start + first]) - _indent(want[first]) if want else 0
        body = _reindent(new, shift)
        return "\n".join(have[:start] + body + have[start + len(want) :]) + tail
    closest = "\n".join(have[start : start + len(want)])
    raise EditError(
        f"the SEARCH text for {block.path} is not in the file (best match {ratio:.0%} similar, "
        f"at line {start + 1}):\n{closest}\nCopy the lines to replace exactly from the file."
    )


def _inside(text: str, starts: list[int], prefer: Collection[str]) -> list[int]:
    """The one start (0-based line) that lies in a definition `prefer` names, else []."""
    try:
        defined = functions(ast.parse(text))
    except SyntaxError:
        return []
    wanted = set(prefer)

    def named(qualname: str) -> bool:
        parts = qualname.split(".")
        return any(".".join(parts[i:]) in wanted for i in range(len(parts))) or any(
            qualname.startswith(w + ".") for w in wanted
        )

    spans = [span(node) for qualname, node in defined if named(qualname)]
    hits = [s for s in starts if any(first <= s + 1 <= last for first, last in spans)]
    return hits if len(hits) == 1 else []


def _fuzzy(have: list[str], want: list[str]) -> tuple[int, float, float]:
    """(start, similarity) of the window of `have` most like `want`, and the runner-up's
    similarity (windows overlapping the best one do not count)."""
    if not want or not have:
        return 0, 0.0, 0.0
    size = min(len(want), len(have))
    target = "\n".join(s.strip() for s in want)
    scores = []
    for i in range(len(have) - size + 1):
        window = "\n".join(s.strip() for s in have[i : i + size])
        scores.append((difflib.SequenceMatcher(None, target, window).ratio(), i))
    scores.sort(reverse=True)
    best, start = scores[0]
    others = [r for r, i in scores[1:] if abs(i - start) >= size]
    return start, best, others[0] if others else 0.0


# -- whole definitions ---------------------------------------------------------------------------

Def = ast.FunctionDef | ast.AsyncFunctionDef


def _source(lines: list[str], node: ast.stmt) -> str:
    first, last = span(node) if isinstance(node, Def | ast.ClassDef) else (node.lineno, 0)
    last = last or node.end_lineno or node.lineno
    return textwrap.dedent("\n".join(lines[first - 1 : last]))


def _top_functions(tree: ast.Module) -> dict[str, Def]:
    return {n.name: n for n in tree.body if isinstance(n, Def)}


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}


def _methods(tree: ast.Module, name: str) -> list[str]:
    return [
        f"{c.name}.{m.name}"
        for c in tree.body
        if isinstance(c, ast.ClassDef)
        for m in c.body
        if isinstance(m, Def) and m.name == name
    ]


def _insert_at(code: str, line: int, text: str) -> str:
    """`text` inserted before 1-based `line` (len+1 = at the end), with blank lines around."""
    lines = code.rstrip("\n").splitlines()
    before, after = lines[: line - 1], lines[line - 1 :]
    while before and not before[-1].strip():
        before.pop()
    gap = ["", ""] if text.lstrip().startswith(("def ", "async def ", "class ", "@")) else [""]
    middle = [*gap, *text.rstrip("\n").splitlines()]
    rest = [*gap, *after] if after else []
    return "\n".join([*before, *middle, *rest]) + "\n"


def _module_end(tree: ast.Module, code: str) -> int:
    """Where new top-level code goes: before a trailing `if __name__ == ...` guard, else at the
    end of the file."""
    for node in tree.body:
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            return node.lineno
    return len(code.splitlines()) + 1


def _bound_names(tree: ast.Module) -> set[str]:
    """The names a module's top level defines, assigns or imports."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, Def | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _imports_itself(node: ast.Import | ast.ImportFrom, alias: ast.alias, module: str) -> bool:
    if not module:
        return False
    if isinstance(node, ast.Import):
        return alias.name == module or alias.name.startswith(module + ".")
    if node.level:  # `from . import strutils` inside boltons/strutils.py
        return node.module is None and alias.name == module.rsplit(".", 1)[-1]
    return node.module == module or f"{node.module}.{alias.name}" == module


def _new_imports(tree: ast.Module, snippet: ast.Module, module: str = "") -> list[str]:
    """The snippet's imports, less the names the file already binds and less the module itself:
    a model often "imports" the module's own functions, or the module, from itself (a circular
    import that shadows them or fails)."""
    bound = _bound_names(tree)
    defined = {n.name for n in tree.body if isinstance(n, Def | ast.ClassDef)}
    out = []
    for node in snippet.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.ImportFrom) and any(a.name in defined for a in node.names):
            continue  # `from <this module> import f, g`: all of it is the module itself
        keep = [
            a
            for a in node.names
            if (a.asname or a.name).split(".")[0] not in bound
            and not _imports_itself(node, a, module)
        ]
        if keep and "*" not in {a.name for a in keep}:
            node.names = keep
            out.append(ast.unparse(node))
    return out


def _add_imports(code: str, imports: list[str]) -> str:
    tree = ast.parse(code)
    present = {ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}
    missing = [i for i in imports if i not in present]
    if not missing:
        return code
    nodes = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    if nodes:
        at = (nodes[-1].end_lineno or nodes[-1].lineno) + 1
    else:
        doc = tree.body[0] if tree.body and isinstance(tree.body[0], ast.Expr) else None
        at = (doc.end_lineno or doc.lineno) + 1 if doc else 1
    lines = code.splitlines()
    result = "\n".join([*lines[: at - 1], *missing, *lines[at - 1 :]])
    return result + ("\n" if code.endswith("\n") or not code else "")


def apply_definitions(
    code: str,
    snippet: str,
    path: str = "",
    wanted: Collection[str] = (),
    frozen: Collection[str] = (),
) -> tuple[str, list[str]]:
    """`code` (the file at `path`) with the snippet's functions and classes swapped in or added,
    and the names of what changed; EditError when the snippet has no definition or breaks the
    file. `wanted`: the module-level functions the plan asks for (never wrapped in a new class).
    `frozen`: qualified names of existing functions and methods the snippet may not replace (a
    feature's reply that was to hold only new definitions and rewrote `Version.__init__`)."""
    try:
        new = ast.parse(snippet)
        ast.parse(code)
    except SyntaxError as exc:
        raise EditError(f"the code does not parse: {exc.msg} (line {exc.lineno})") from exc
    lines = snippet.splitlines()
    changed: list[str] = []
    source_file = bool(path) and not is_test_file(path)
    for node in new.body:
        tree = ast.parse(code)
        if source_file and isinstance(node, Def) and node.name.startswith("test"):
            continue  # the reply's own tests of its change: they do not belong in the module
        if isinstance(node, Def):
            code = _put_function(code, tree, node, _source(lines, node), changed, frozen)
        elif isinstance(node, ast.ClassDef):
            code = _put_class(code, tree, node, lines, changed, wanted, frozen)
    if not changed and frozen:
        raise EditError(
            "the reply only gives functions the file already has, and those stay as they are; "
            "give only the new definitions"
        )
    if not changed:
        raise EditError(
            "the reply has no complete function or class to put into the file; "
            "answer with whole `def`/`class` definitions in one ```python block"
        )
    if imports := _new_imports(ast.parse(code), new, module_of(path) if path else ""):
        code = _add_imports(code, imports)
    try:
        ast.parse(code)
    except SyntaxError as exc:  # pragma: no cover - splice checks each step
        raise EditError(f"the edited file does not parse: {exc.msg}") from exc
    return code, changed


def refuse_shrinking(code: str, qualname: str, source: str) -> None:
    """EditError when a new version drops most of a long function: a reply cut short or a
    model that "simplified" code it was not asked to touch."""
    old = function_source(code, qualname).count("\n") + 1
    new = source.strip().count("\n") + 1
    if old >= SHRINK_MIN_LINES and new * 2 < old:
        raise EditError(
            f"the new {qualname} has {new} lines where the old one has {old}; give the whole "
            "function, or change only the lines that need it with a SEARCH/REPLACE block"
        )


def _put_function(
    code: str,
    tree: ast.Module,
    node: Def,
    source: str,
    changed: list[str],
    frozen: Collection[str] = (),
) -> str:
    if node.name in _top_functions(tree):
        target = node.name
    else:
        methods = _methods(tree, node.name)
        target = methods[0] if len(methods) == 1 and not node.name.startswith("__") else ""
    if target in frozen:
        return code
    if target:
        if "." in target and not _postponed(tree):
            source = quote_own_class(source, target.split(".")[0])
        refuse_shrinking(code, target, source)
        result = splice(code, target, source)
        if result is None:
            raise EditError(f"could not put the new {node.name} in place of the old one")
        changed.append(target)
        return result
    changed.append(node.name)
    return _insert_at(code, _module_end(tree, code), source)


def _is_static(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Name) and decorator.id == "staticmethod"


def _wrapped_functions(node: ast.ClassDef, tree: ast.Module, wanted: Collection[str]) -> list[Def]:
    """The methods of a new class that are really the module-level functions the plan asks for:
    a small model asked to add `clamp()` to a module may write `class MathUtils:` with a
    `@staticmethod clamp` inside, or `class Inflection:` with `def ordinal(self, number)`, which
    nothing can import. An instance method counts only when it uses `self` for nothing but
    calling such functions (`self.ordinal(n)`), and never when the plan names the class."""
    if node.name in wanted:
        return []
    top = _top_functions(tree)
    candidates = [
        item
        for item in node.body
        if isinstance(item, Def) and item.name in wanted and item.name not in top
    ]
    lifted = candidates
    while True:  # until every lifted method calls through `self` only what is lifted too
        names = {*top, *(i.name for i in lifted)}
        kept = [
            item
            for item in lifted
            if any(_is_static(d) for d in item.decorator_list) or _selfless(item, names)
        ]
        if len(kept) == len(lifted):
            return kept
        lifted = kept


def _selfless(item: Def, names: set[str]) -> bool:
    """Whether a plain method uses its first parameter only to call `names` (`self.f(...)`)."""
    if item.decorator_list or not item.args.args:
        return False
    me = item.args.args[0].arg
    calls = {
        id(n.func.value)
        for n in ast.walk(item)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == me
        and n.func.attr in names
    }
    uses = [n for n in ast.walk(item) if isinstance(n, ast.Name) and n.id == me]
    return all(id(n) in calls for n in uses)


def _unwrapped(
    lines: list[str], node: ast.ClassDef, lifted: list[Def], module_functions: Collection[str]
) -> str:
    """The lifted methods as module-level functions (an instance method without its `self`,
    and `self.f(...)` calls of `module_functions` or of each other made plain), after the rest
    of the class when it held more than a docstring or `pass`."""
    parts = []
    names = "|".join(re.escape(n) for n in sorted({*module_functions, *(i.name for i in lifted)}))
    for item in lifted:
        kept = [f"@{ast.unparse(d)}" for d in item.decorator_list if not _is_static(d)]
        body = textwrap.dedent("\n".join(lines[item.lineno - 1 : span(item)[1]]))
        if not item.decorator_list and item.args.args:  # an instance method: drop `self`
            me = re.escape(item.args.args[0].arg)
            body = re.sub(rf"\(\s*{me}\s*(,\s*|(?=\)))", "(", body, count=1)
            body = re.sub(rf"\b{me}\.(?=(?:{names})\s*\()", "", body)
        parts.append("\n".join([*kept, body]))
    filler = (ast.Pass, ast.Expr)  # `pass`, a docstring
    if any(i not in lifted and not isinstance(i, filler) for i in node.body):
        first, last = span(node)
        cut = [span(i) for i in lifted]
        rest = [
            line
            for number, line in enumerate(lines[first - 1 : last], first)
            if not any(a <= number <= b for a, b in cut)
        ]
        head, *inner = textwrap.dedent("\n".join(rest)).rstrip().splitlines()
        while inner and not inner[0].strip():  # the blank lines a lifted first method left
            inner.pop(0)
        parts.insert(0, "\n".join([head, *inner]))
    return "\n\n\n".join(parts)


def _postponed(tree: ast.Module) -> bool:
    """Whether the module has `from __future__ import annotations` (annotations not evaluated)."""
    return any(
        isinstance(n, ast.ImportFrom)
        and n.module == "__future__"
        and any(a.name == "annotations" for a in n.names)
        for n in tree.body
    )


def quote_own_class(source: str, cls: str) -> str:
    """A method's source with the annotations that name its own class quoted (`other: Version`
    becomes `other: 'Version'`): evaluated while the class body runs, they raise NameError and
    the module no longer imports."""
    try:
        node = ast.parse(textwrap.dedent(source)).body[0]
    except (SyntaxError, IndexError):
        return source
    if not isinstance(node, Def):
        return source
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    notes = [a.annotation for a in every if a is not None and a.annotation is not None]
    notes += [node.returns] if node.returns is not None else []
    own = [
        n
        for n in notes
        if any(isinstance(x, ast.Name) and x.id == cls for x in ast.walk(n))
        and n.lineno == n.end_lineno
    ]
    if not own:
        return source
    shift = len(source.splitlines()[0]) - len(textwrap.dedent(source).splitlines()[0])
    lines = source.splitlines()
    for n in sorted(own, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        line = lines[n.lineno - 1]
        start, end = n.col_offset + shift, (n.end_col_offset or 0) + shift
        lines[n.lineno - 1] = line[:start] + repr(line[start:end]) + line[end:]
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def _put_class(
    code: str,
    tree: ast.Module,
    node: ast.ClassDef,
    lines: list[str],
    changed: list[str],
    wanted: Collection[str] = (),
    frozen: Collection[str] = (),
) -> str:
    existing = _classes(tree).get(node.name)
    if existing is None:
        lifted = _wrapped_functions(node, tree, wanted)
        if lifted:
            changed += [item.name for item in lifted]
            source = _unwrapped(lines, node, lifted, _top_functions(tree))
            return _insert_at(code, _module_end(tree, code), source)
        changed.append(node.name)
        return _insert_at(code, _module_end(tree, code), _source(lines, node))
    for item in node.body:
        if not isinstance(item, Def):
            continue
        tree = ast.parse(code)
        cls = _classes(tree)[node.name]
        qual = f"{node.name}.{item.name}"
        if qual in frozen:
            continue
        source = _source(lines, item)
        if not _postponed(tree):
            source = quote_own_class(source, node.name)
        if any(isinstance(m, Def) and m.name == item.name for m in cls.body):
            refuse_shrinking(code, qual, source)
            result = splice(code, qual, source)
            if result is None:
                raise EditError(f"could not put the new {qual} in place of the old one")
            code = result
        else:
            body_indent = " " * (cls.body[0].col_offset if cls.body else cls.col_offset + 4)
            indented = textwrap.indent(source, body_indent, lambda s: bool(s.strip()))
            code = _insert_at(code, (cls.end_lineno or cls.lineno) + 1, indented)
        changed.append(qual)
    return code


# -- a whole reply ---------------------------------------------------------------------------


def apply_reply(
    files: dict[str, str],
    reply: str,
    default_path: str,
    wanted: Collection[str] = (),
    frozen: Collection[str] = (),
) -> dict[str, str]:
    """New contents of the files a reply edits ({path: text}); search/replace blocks when the
    reply has them, else the reply's Python block as whole definitions for `default_path` (or
    as the whole file, when that file is new). EditError when nothing applies. `wanted`: the
    module-level functions the plan asks for; `frozen`: what the definitions may not replace."""
    blocks = parse_blocks(reply, default_path)
    if blocks:
        out: dict[str, str] = {}
        for number, block in enumerate(blocks, 1):
            current = out.get(block.path, files.get(block.path))
            if current is None and block.search.strip():
                raise EditError(f"block {number} edits {block.path}, which does not exist")
            try:
                out[block.path] = apply_block(current or "", block, wanted)
            except EditError as exc:
                raise EditError(f"block {number}: {exc}") from exc
        for path, text in out.items():
            _refuse_losing_definitions(files.get(path) or "", text, path)
        return out
    code = python_block(reply)
    if code is None:
        raise EditError("the reply has no ```python block and no SEARCH/REPLACE block")
    current = files.get(default_path)
    if not current or not current.strip():
        return {default_path: code.rstrip("\n") + "\n"}
    return {default_path: apply_definitions(current, code, default_path, wanted, frozen)[0]}


def existing_except(code: str, names: Collection[str]) -> list[str]:
    """The qualified names of the functions and methods of `code`, but those named `names`:
    what a feature's reply, meant to hold its new functions only, may not replace."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [q for q, _ in functions(tree) if q.rsplit(".", 1)[-1] not in names]


def _defined(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, Def | ast.ClassDef)}


def _refuse_losing_definitions(old: str, new: str, path: str) -> None:
    """EditError when an edit takes away a function or class the file defined: a fuzzily
    matched SEARCH block for `underscore_acronym` had replaced (renamed) `underscore` itself."""
    if lost := sorted(_defined(old) - _defined(new)):
        names = ", ".join(f"`{n}`" for n in lost)
        raise EditError(
            f"the edit removes {names} from {path}; keep every existing function and class "
            "(change their bodies, or add new ones beside them)"
        )


def python_block(reply: str) -> str | None:
    """The reply's Python code: its fenced block (the one with definitions, when several), or
    the reply itself when it starts as code. A reply cut off (an unclosed fence, or trailing
    lines that do not parse) loses its last definition too: a function that parses but stops
    half-way would otherwise replace a whole one."""
    starts_as_code = re.match(r"\s*(def|class|import|from|@)", reply)
    blocks = fenced_blocks(reply) or ([reply] if starts_as_code else [])
    blocks = [b for b in blocks if re.search(r"^\s*(async\s+def|def|class)\s", b, re.M)] or blocks
    if not blocks:
        return None
    # a method written without its class comes indented: as it is, no line of it parses
    text = textwrap.dedent(max(blocks, key=len)).rstrip()
    lines = text.splitlines()
    unclosed = reply.count("```") % 2 == 1
    for end in range(len(lines), 0, -1):
        candidate = "\n".join(lines[:end])
        try:
            tree = ast.parse(candidate)
        except SyntaxError:
            continue
        rest = [line for line in lines[end:] if line.strip()]
        # cut inside the last definition: what follows it is indented (its body went on), or
        # nothing follows but the reply stopped without closing its fence
        cut = rest[0][:1].isspace() if rest else unclosed
        if cut and tree.body and isinstance(tree.body[-1], Def | ast.ClassDef):
            first = span(tree.body[-1])[0]
            candidate = "\n".join(lines[: first - 1]).rstrip()
        return candidate.rstrip() or None
    return None
