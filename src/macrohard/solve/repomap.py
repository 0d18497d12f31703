"""A map of an existing repository: its Python files, classes, functions and their signatures,
ranked by how much they have to do with a request, and rendered to fit a model's context.

A small model cannot read a whole repository. It can read an outline (file, class, signature,
the first line of the docstring) of the few files a request is about: the files and symbols the
request names come first, then those sharing its words, then the rest, until the budget is spent.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 400_000
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by def do does for from has have in is it its of on or should "
        "that the this to when with without return returns self none true false",
    )
)


@dataclass(frozen=True)
class Symbol:
    name: str  # qualified: `func`, `Class`, `Class.method`
    kind: str  # "function" | "class" | "method"
    line: int
    signature: str  # `def name(args) -> ret` or `class Name(bases)`
    doc: str = ""  # the docstring's first line


@dataclass
class FileMap:
    path: str
    lines: int
    symbols: list[Symbol] = field(default_factory=list)
    error: str = ""  # why the file could not be parsed

    @property
    def is_test(self) -> bool:
        name = PurePosixPath(self.path).name
        parts = PurePosixPath(self.path).parts
        return (
            name.startswith("test_")
            or name.endswith("_test.py")
            or name == "conftest.py"
            or "tests" in parts[:-1]
            or "test" in parts[:-1]
        )

    def outline(self) -> str:
        head = f"{self.path} ({self.lines} lines)"
        if self.error:
            return f"{head}: {self.error}"
        body = []
        for sym in self.symbols:
            indent = "    " if sym.kind == "method" else "  "
            doc = f"  # {sym.doc}" if sym.doc else ""
            body.append(f"{indent}{sym.signature}{doc}")
        return "\n".join([head + ":", *body]) if body else head


def _words(text: str) -> set[str]:
    """Lower-cased identifier words, with snake_case and CamelCase parts split out too."""
    found: set[str] = set()
    for word in _WORD.findall(text):
        low = word.lower()
        found.add(low)
        for part in re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", word):
            if len(part) > 2:
                found.add(part.lower())
    return found - _STOP


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    ret = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{prefix} {node.name}({ast.unparse(node.args)}){ret}"


def _doc(node: ast.AST) -> str:
    try:
        doc = ast.get_docstring(node)  # type: ignore[arg-type]
    except TypeError:
        return ""
    return (doc or "").strip().splitlines()[0][:100] if doc else ""


def parse_file(path: str, source: str) -> FileMap:
    """The outline of one Python file (top-level functions, classes and their methods)."""
    fmap = FileMap(path, source.count("\n") + 1)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        fmap.error = f"does not parse: {exc.msg} (line {exc.lineno})"
        return fmap
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            sig = _signature(node)
            fmap.symbols.append(Symbol(node.name, "function", node.lineno, sig, _doc(node)))
        elif isinstance(node, ast.ClassDef):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            sig = f"class {node.name}" + (f"({bases})" if bases else "")
            fmap.symbols.append(Symbol(node.name, "class", node.lineno, sig, _doc(node)))
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    fmap.symbols.append(
                        Symbol(
                            f"{node.name}.{item.name}",
                            "method",
                            item.lineno,
                            _signature(item),
                            _doc(item),
                        )
                    )
    return fmap


@dataclass
class RepoMap:
    root: Path
    files: list[FileMap]

    @classmethod
    def scan(cls, root: Path, paths: list[str]) -> RepoMap:
        """Outline every Python file among `paths` (relative to root; e.g. `git ls-files`)."""
        files = []
        for rel in sorted(paths):
            if not rel.endswith(".py"):
                continue
            target = root / rel
            if target.is_symlink() or not target.is_file():
                continue
            if target.stat().st_size > MAX_FILE_BYTES:
                files.append(FileMap(rel, 0, error="too large to outline"))
                continue
            files.append(parse_file(rel, target.read_text(encoding="utf-8", errors="replace")))
        return cls(root, files)

    def get(self, path: str) -> FileMap | None:
        return next((f for f in self.files if f.path == path), None)

    def symbol_names(self) -> set[str]:
        return {s.name.rsplit(".", 1)[-1] for f in self.files for s in f.symbols}

    def score(self, fmap: FileMap, request: str) -> float:
        """How much `fmap` has to do with the request: names it mentions count most."""
        req_words = _words(request)
        named = {w for w in _WORD.findall(request)}
        stem = PurePosixPath(fmap.path).stem
        score = 0.0
        if fmap.path in request or PurePosixPath(fmap.path).name in request:
            score += 10
        if stem.lower() in req_words and len(stem) > 2:
            score += 4
        for sym in fmap.symbols:
            bare = sym.name.rsplit(".", 1)[-1]
            if bare in named and len(bare) > 2:
                score += 3 if sym.kind != "method" else 2
            overlap = _words(f"{sym.name} {sym.doc}") & req_words
            score += 0.25 * len(overlap)
        if fmap.is_test:
            score *= 0.5
        if PurePosixPath(fmap.path).name in ("setup.py", "conftest.py", "noxfile.py"):
            score *= 0.2
        return score

    def ranked(self, request: str) -> list[FileMap]:
        """Files, most relevant first (ties: source before tests, smaller first)."""
        return sorted(
            self.files, key=lambda f: (-self.score(f, request), f.is_test, f.lines, f.path)
        )

    def render(self, request: str, budget_chars: int = 6000) -> str:
        """The ranked outlines that fit in `budget_chars`; files that don't fit are listed by
        name only, as long as that fits."""
        parts: list[str] = []
        left = budget_chars
        skipped: list[str] = []
        for fmap in self.ranked(request):
            text = fmap.outline()
            if len(text) + 1 <= left:
                parts.append(text)
                left -= len(text) + 1
            else:
                skipped.append(fmap.path)
        if skipped:
            names = "other files: " + ", ".join(skipped)
            short = f"(and {len(skipped)} more files)"
            for line in (names, short):
                if len(line) + 1 <= left:
                    parts.append(line)
                    break
        return "\n".join(parts)


def module_of(path: str) -> str:
    """The import name of a file: `pkg/mod.py` -> `pkg.mod` (a src/ layout's `src` dropped)."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)
