"""What QA's tests keep: the screens a model-written test module passes before it counts.

A 1.5B model writes tests with wrong expectations, made-up keyword arguments, tests of the rest
of the project and examples paired with the wrong function. Each screen takes such statements or
tests out, parsing the module with `ast`; a screen that leaves no test returns None.
"""

from __future__ import annotations

import ast
import builtins
import copy
import re
from collections.abc import Callable, Sequence

from macrohard.company.examples import Doctest
from macrohard.synth.extract import fenced_blocks
from macrohard.synth.imports import add_missing_imports

SPLIT_LIMIT = 6  # checks kept of one model-written test (QA is asked for 3 to 6 tests)


def split_asserts(code: str) -> str:
    """Each test made only of checks becomes one test per check (module-level tests of
    asserts; in a collected test class, methods of asserts and `self.assert...(...)` calls):
    one wrong expectation among five right ones then fails alone, and the judge may drop it (it
    drops at most half of the failing tests; a single test holding all five could never go).
    Checks past the first SPLIT_LIMIT go: a longer list is mostly a runaway reply (10's QA
    asserted `humanize('employee_salary_id_1_2_3')` and 20 more like it, all wrong)."""
    tree = ast.parse(code)
    changed = False
    holders: list[ast.Module | ast.ClassDef] = [tree]
    holders += [n for n in tree.body if isinstance(n, ast.ClassDef) and _collected(n)]
    for holder in holders:
        body: list[ast.stmt] = []
        for node in holder.body:
            checks = node.body if isinstance(node, ast.FunctionDef) else []
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("test")
                and len(checks) > 1
                and all(_is_check(st) for st in checks)
            ):
                for number, statement in enumerate(checks[:SPLIT_LIMIT], 1):
                    one = copy.copy(node)
                    one.name, one.body = f"{node.name}_{number}", [statement]
                    body.append(one)
            else:
                body.append(node)
        changed = changed or len(body) > len(holder.body)
        holder.body = body
    return ast.unparse(tree) + "\n" if changed else code


def _is_check(statement: ast.stmt) -> bool:
    """An assert, a unittest check (`self.assertEqual(...)`), or one statement that must raise
    (`with pytest.raises(ValueError): clamp(1, 5, 0)`)."""
    if isinstance(statement, ast.Assert):
        return True
    if isinstance(statement, ast.With) and len(statement.body) == 1:
        head = statement.items[0].context_expr if len(statement.items) == 1 else None
        func = head.func if isinstance(head, ast.Call) else None
        return isinstance(func, ast.Attribute) and func.attr in ("raises", "assertRaises")
    call = statement.value if isinstance(statement, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "self"
        and call.func.attr.startswith("assert")
    )


def known_keywords(code: str, sources: list[str], request: str) -> str | None:
    """The test module without the statements that pass a function of `sources` a keyword
    argument it does not take and the request never names (`ceil(4, options=o, lower=3)`
    for a `ceil(x, options=None)`): a test of an API the model made up fails whatever the fix.
    Tests left empty go too; None when no test is left."""
    params: dict[str, set[str] | None] = {}  # name -> its parameters; None: takes **kwargs
    for source in [*sources, *_signatures(request)]:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                names = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
                known = params.get(node.name, set())
                params[node.name] = None if a.kwarg or known is None else known | names
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code

    def made_up(statement: ast.stmt) -> bool:
        for call in ast.walk(statement):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            taken = params.get(name)
            if taken is None:
                continue
            for kw in call.keywords:
                if kw.arg and kw.arg not in taken and not re.search(rf"\b{kw.arg}\b", request):
                    return True
        return False

    return _without(code, tree, made_up)


_SPAN_CALL = re.compile(r"`([A-Za-z_][\w.]*)(\([^`]*\))`")


def _signatures(request: str) -> list[str]:
    """The signatures a request writes in backticks (`clamp(x, lower=float('-inf'))`), each as a
    `def`: what a new function takes before any code of it exists. An example call with values
    (`clamp(-1.0, 0, 5)`) is no signature and does not parse as one."""
    found = []
    for name, params in _SPAN_CALL.findall(request):
        name = name.rsplit(".", 1)[-1]
        if hasattr(builtins, name):  # `sorted(c)` in a request is a use, not a signature
            continue
        source = f"def {name}{params}:\n    pass\n"
        try:
            ast.parse(source)
        except SyntaxError:
            continue
        found.append(source)
    return found


def _without(code: str, tree: ast.Module, drop: Callable[[ast.stmt], bool]) -> str | None:
    """`code` without the statements of its tests that `drop` picks (`code` itself when none
    is); a test left with nothing but bare expressions (no assert, no `self.assert...`) goes
    too; None when no test is left."""
    changed = False
    for holder, node in tests_in(tree):
        kept = [st for st in node.body if not drop(st)]
        if len(kept) < len(node.body):
            changed = True
            node.body = kept
            if not kept or all(isinstance(st, ast.Expr) and not _is_check(st) for st in kept):
                _remove_test(tree, holder, node)
    if not changed:
        return code
    if not tests_in(tree):
        return None
    return ast.unparse(tree) + "\n"


def against_examples(code: str, examples: Sequence[Doctest]) -> str | None:
    """The test module without the asserts that the client's own examples show wrong: one
    that expects another result for the same call (`f(2) == 'x'` where the request says
    `f(2)` gives 'y'), or one that pairs an example's arguments and result with another of the
    request's functions (`ordinal(-11) == '-11th'` where the request says `ordinalize(-11)`
    gives '-11th' and says nothing of `ordinal(-11)`): a small model shuffles the examples of
    two functions, and a repair that obeys such a test breaks the right code. None when no
    test is left."""
    stated: dict[tuple[str, str], object] = {}
    for example in examples:
        if example.exc_msg is None and not example.setup:
            call, result = _call_key(example.source), _value(example.want.strip())
            if call and result:
                stated[call] = result[0]
    if not stated:
        return code
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code

    def wrong(statement: ast.stmt) -> bool:
        test = statement.test if isinstance(statement, ast.Assert) else None
        if not (
            isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
        ):
            return False
        for call, expected in ((test.left, test.comparators[0]), (test.comparators[0], test.left)):
            key, result = _call_key(ast.unparse(call)), _value(ast.unparse(expected))
            if key is None or result is None:
                continue
            if key in stated:
                return bool(stated[key] != result[0])
            return any(
                name != key[0] and args == key[1] and value == result[0]
                for (name, args), value in stated.items()
            )
        return False

    return _without(code, tree, wrong)


def _call_key(source: str) -> tuple[str, str] | None:
    """(the function's last name, its arguments as written) of a call of literals only (what
    it returns cannot hang on state built elsewhere), or None."""
    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call):
        return None
    values = [*node.args, *(k.value for k in node.keywords)]
    if any(_value(ast.unparse(v)) is None for v in values):
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    args = [ast.unparse(a) for a in node.args] + [ast.unparse(k) for k in node.keywords]
    return (name, ", ".join(args)) if name else None


def _value(source: str) -> tuple[object] | None:
    """The literal a piece of source stands for, in a 1-tuple (None is a literal too)."""
    try:
        return (ast.literal_eval(source),)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def unwrap_assertion_raises(code: str) -> str:
    """`with pytest.raises(AssertionError): assert ...` becomes the bare asserts: asked for a
    test that fails until the bug is fixed, a small model wraps the right assert in a check that
    it fails, which passes on the buggy code and fails once the fix is in."""
    tree = ast.parse(code)
    changed = False

    class Unwrap(ast.NodeTransformer):
        def visit_With(self, node: ast.With) -> ast.AST | list[ast.stmt]:
            self.generic_visit(node)
            call = node.items[0].context_expr if len(node.items) == 1 else None
            if (
                isinstance(call, ast.Call)
                and ast.unparse(call.func).endswith("raises")
                and [ast.unparse(a) for a in call.args] == ["AssertionError"]
            ):
                nonlocal changed
                changed = True
                return node.body
            return node

    tree = Unwrap().visit(tree)
    return ast.unparse(tree) + "\n" if changed else code


def add_imports(code: str, modules: dict[str, str], wanted: dict[str, str] | None = None) -> str:
    """`code` with an import for each name it uses and never binds that the project's
    `modules` (import name -> source) give: a module's root package (`semver.compare(...)`
    under `from semver import bump_major` alone) or a module's top-level definition
    (`Version.parse(...)`), a function the change is to add (`wanted`: name -> module), and
    the standard library's well-known modules (`synth.imports`). A test that fails on a
    NameError says nothing about the change."""
    roots = {name.split(".")[0] for name in modules}
    defined = {name: module for module, source in modules.items() for name in _top_level(source)}
    return add_missing_imports(code, roots, defined | (wanted or {}))


def _top_level(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def on_topic(code: str, names: set[str]) -> str | None:
    """The test module without the tests that use none of `names` (the change's functions):
    a small model shown a project's tests wrote more of those instead; None if none is left."""
    tree = ast.parse(code)

    def used(node: ast.AST) -> bool:
        return any(
            (isinstance(n, ast.Name) and n.id in names)
            or (isinstance(n, ast.Attribute) and n.attr in names)
            for n in ast.walk(node)
        )

    tests = tests_in(tree)
    # a test in a class also uses what the class's setUp and attributes use
    test_ids = {id(t) for _, t in tests}
    shared = {
        id(holder): any(used(n) for n in holder if id(n) not in test_ids)
        for holder, _ in tests
        if holder is not tree.body
    }
    off = [(holder, n) for holder, n in tests if not (used(n) or shared.get(id(holder)))]
    if len(off) == len(tests):
        return None
    for holder, node in off:
        _remove_test(tree, holder, node)
    return ast.unparse(tree) + "\n"


def tests_in(tree: ast.Module) -> list[tuple[list[ast.stmt], ast.FunctionDef]]:
    """Each test function of a module with the body that holds it: at module level, or in a
    class pytest collects (`Test...`, or a `TestCase`)."""
    found: list[tuple[list[ast.stmt], ast.FunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            found.append((tree.body, node))
        elif isinstance(node, ast.ClassDef) and _collected(node):
            found += [
                (node.body, n)
                for n in node.body
                if isinstance(n, ast.FunctionDef) and n.name.startswith("test")
            ]
    return found


def _collected(node: ast.ClassDef) -> bool:
    return node.name.startswith("Test") or any(_is_test_case(b) for b in node.bases)


def _is_test_case(base: ast.expr) -> bool:
    return ast.unparse(base).rsplit(".", 1)[-1] == "TestCase"


def _remove_test(tree: ast.Module, holder: list[ast.stmt], node: ast.FunctionDef) -> None:
    """Takes a test out of its module or class; a class left without tests goes too."""
    holder.remove(node)
    if holder is tree.body:
        return
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef) and n.body is holder]:
        if not any(isinstance(n, ast.FunctionDef) and n.name.startswith("test") for n in holder):
            tree.body.remove(cls)


def _own_tests_only(node: ast.ClassDef) -> None:
    """A test class keeps only its `TestCase` base: a project's test mixin brings the project's
    own tests along, set up for what the mixin's users configure, not for this change."""
    if any(_is_test_case(b) for b in node.bases):
        node.bases = [b for b in node.bases if _is_test_case(b)]


def clean_tests(reply: str) -> str | None:
    """The test module of a reply: parses, has at least one `test_` function (at module level
    or in a test class); top-level code that would run on import (prints, calls) is dropped."""
    blocks = fenced_blocks(reply) or [reply]
    cut = reply.count("```") % 2 == 1  # the reply stopped inside its block (the token limit)
    for block in sorted(blocks, key=len, reverse=True):
        lines = block.rstrip().splitlines()
        if cut and len(blocks) == 1:  # its last line may parse and still be half a line:
            lines = lines[:-1]  # `assert strutils.strip_` asserted an attribute that is not there
        for end in range(len(lines), 0, -1):
            try:
                tree = ast.parse("\n".join(lines[:end]))
            except SyntaxError:
                continue
            keep: list[ast.stmt] = [
                n
                for n in tree.body
                if isinstance(
                    n,
                    ast.Import
                    | ast.ImportFrom
                    | ast.FunctionDef
                    | ast.ClassDef
                    | ast.Assign
                    | ast.AnnAssign,
                )
            ]
            module = ast.Module(body=keep, type_ignores=[])
            for node in keep:
                if isinstance(node, ast.ClassDef) and _collected(node):
                    _own_tests_only(node)
            if tests_in(module):
                return ast.unparse(module) + "\n"
            break
    return None
