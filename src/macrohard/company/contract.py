"""Read the names a client fixes in a request, so the spec can never lose them.

A small model paraphrases; the client's `todo.py` and `def add(a, b) -> int` must survive exactly.
We pull file names and signatures out of the request text deterministically and merge them into
whatever spec the model wrote.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from macrohard.company.artifacts import FileContract, FunctionContract, Spec, check_path
from macrohard.company.mentions import SPAN

_FILE = re.compile(r"(?<![\w/.-])((?:[A-Za-z_][\w-]*/)*[A-Za-z_][\w-]*\.py)\b")
_DEF = re.compile(r"def\s+([A-Za-z_]\w*)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*(->\s*[^:\n`]+)?")
_TICKED = re.compile(r"`(?:[a-z_]\w*\.)?([A-Za-z_]\w*)\(([^`]*)\)\s*(->\s*[^`]+)?`")
_CLASS = re.compile(r"\bclass[ \t]+([A-Z]\w*)(\([^()`\n]*\))?")
# a usage line: `python tool.py ARGS` (not a `$ ` transcript line, which is an example)
_USAGE = re.compile(r"^(?!\s*\$)[^`\n]*?`?(python3?\s+([\w/-]+\.py)(?:\s[^`\n]*)?)`?", re.M)
_HEADING = re.compile(r"^\s*#+\s*(.+?)\s*$", re.M)
_BASES = re.compile(r"^\((?:[A-Z][\w.]*)(?:\s*,\s*[A-Z][\w.]*)*\)$")
# `str(m)` or `len(x)` in a request is a usage example, not a function to write
_BUILTIN_NAMES = set(dir(builtins)) | {"main"}


# what a request's usage of an object says its class defines: `len(cache)` is `__len__`
SPECIAL = (
    (re.compile(r"\bstr\(\w"), "def __str__(self) -> str"),
    (re.compile(r"\brepr\(\w"), "def __repr__(self) -> str"),
    (re.compile(r"\blen\(\w"), "def __len__(self) -> int"),
    (re.compile(r"^\w+ (?:not )?in \w+$"), "def __contains__(self, key) -> bool"),
    (re.compile(r"\w\)? \+ \w"), "def __add__(self, other)"),
    (re.compile(r"\w\)? - \w"), "def __sub__(self, other)"),
    (re.compile(r"\w\)? \* \w"), "def __mul__(self, other)"),
    (re.compile(r"^-\w+$"), "def __neg__(self)"),
    (re.compile(r"^==$|\w\)? == \w"), "def __eq__(self, other) -> bool"),
    (re.compile(r"^<$|\w\)? < \w"), "def __lt__(self, other) -> bool"),
    (re.compile(r"^<=$"), "def __le__(self, other) -> bool"),
    (re.compile(r"^>$"), "def __gt__(self, other) -> bool"),
    (re.compile(r"^>=$"), "def __ge__(self, other) -> bool"),
)


_LITERAL = re.compile(r"(?<![\w.])\d|['\"]")


def general(span: str) -> bool:
    """A usage in general terms (`a + b`, `len(cache)`, `b1 == b2`), not an example with values
    (`0.1 + 0.2`, `Money("1") == Money("1.00")`)."""
    return not _LITERAL.search(span)


@dataclass(frozen=True)
class Hint:
    name: str
    signature: str
    file: str | None
    owner: str | None = None  # the class a method belongs to
    note: str = ""


def file_names(request: str) -> list[str]:
    names = []
    for match in _FILE.finditer(request):
        try:
            names.append(check_path(match.group(1)))
        except ValueError:
            continue
    return list(dict.fromkeys(names))


def _is_error(name: str, bases: str) -> bool:
    return name.endswith(("Error", "Exception")) or "Error" in bases or "Exception" in bases


def function_hints(request: str) -> list[Hint]:
    """Classes and signatures written in the request, each tied to the file named closest
    before it. A signature listed after a (non-exception) class of the same file, or written as
    `obj.method(...)`, is that class's method; `Name(...)` of a class is its constructor."""
    files = [(m.start(), m.group(1)) for m in _FILE.finditer(request)]
    found = [(m.start(), "class", m) for m in _CLASS.finditer(request)]
    found += [(m.start(), "def", m) for m in _DEF.finditer(request)]
    found += [(m.start(), "ticked", m) for m in _TICKED.finditer(request)]
    hints: dict[str, Hint] = {}
    current: tuple[str | None, str] | None = None  # (file, class) methods attach to
    for pos, kind, match in sorted(found, key=lambda f: f[0]):
        before = [f for p, f in files if p < pos]
        file = before[-1] if before else None
        if current and current[0] != file:
            current = None
        name = match.group(1)
        if kind == "class":
            bases = match.group(2) or ""
            if name in hints and hints[name].signature.startswith("class"):
                continue
            if bases and not _BASES.match(bases):  # `class Money(amount, currency="USD")`
                hints[name] = Hint(name, f"class {name}", file, note=f"{name}{bases}")
            else:
                hints[name] = Hint(name, f"class {name}{bases}", file)
            current = None if _is_error(name, bases) else (file, name)
            continue
        args, ret = match.group(2).strip(), match.group(3)
        ret = f" {ret.strip()}" if ret else ""
        if name in hints and hints[name].signature.startswith("class"):
            if not hints[name].note and not hints[name].signature.endswith(")"):
                old = hints[name]
                hints[name] = Hint(name, old.signature, old.file, note=f"{name}({args})")
            continue
        if name in hints or (name in _BUILTIN_NAMES and not ret):
            continue
        dotted = kind == "ticked" and "." in match.group(0).split("(")[0]
        method = dotted or (current is not None and (kind == "ticked" or args.startswith("self")))
        if method and current is None:
            continue  # `obj.method()` of a class the request never declares
        if method and current is not None:
            params = args if args.startswith(("self", "cls")) else f"self, {args}".rstrip(", ")
            signature = f"def {name}({params}){ret}"
            if _is_signature(signature):
                hints[name] = Hint(name, signature, file, owner=current[1])
            continue
        signature = f"def {name}({args}){ret}"
        if _is_signature(signature):  # not a usage example such as `Money("1.50")`
            hints[name] = Hint(name, signature.rstrip(), file)
    # a name that is another signature's parameter is a callback argument, not an API
    params = {p for h in hints.values() for p in re.findall(r"(\w+)\s*[=:,)]", h.note)}
    params |= {p for h in hints.values() for p in re.findall(r"[(,]\s*(\w+)", h.signature)}
    found_hints = [h for h in hints.values() if h.name not in params]
    return found_hints + special_methods(request, found_hints)


def special_methods(request: str, hints: list[Hint]) -> list[Hint]:
    """The special methods the request's usage implies (`len(cache)`, `key in cache`, `a + b`,
    "`<`, `<=` work", `str(m)`, "hashable", `m * n` and `n * m`), for its one class (none when
    it has several: whose they are is then a guess). A 1.5B build of 01-money never wrote the
    `__str__` that every `str(m)` of the request needed."""
    classes = [h for h in hints if h.signature.startswith("class") and not _is_error(h.name, "")]
    if len(classes) != 1:
        return []
    owner, defined = classes[0], {h.name for h in hints}
    spans = [m.group(1).strip() for m in SPAN.finditer(request)]
    spans = [s for s in spans if general(s) or owner.name in s]  # not `0.1 + 0.2`
    wanted = [sig for pattern, sig in SPECIAL if any(pattern.search(s) for s in spans)]
    # `m * n` and `n * m`: the object on the right too (`__rmul__`)
    pairs = {(m[1], m[2], m[3]) for s in spans if (m := re.fullmatch(r"(\w+) ([+*]) (\w+)", s))}
    for left, op, right in sorted(pairs):
        if left != right and (right, op, left) in pairs:
            reflected = {"+": "__radd__", "*": "__rmul__"}[op]
            wanted.append(f"def {reflected}(self, other)")
    wanted = list(dict.fromkeys(wanted))
    name = re.escape(owner.name)
    if re.search(rf"{name}\b[^.\n]*\bhashable\b|\bhashable\b[^.\n]*\b{name}\b", request, re.I):
        wanted.append("def __hash__(self) -> int")
    return [
        Hint(method, sig, owner.file, owner=owner.name)
        for sig in wanted
        if (method := sig.split("(")[0].removeprefix("def ")) not in defined
    ]


def _is_signature(signature: str) -> bool:
    try:
        ast.parse(f"{signature}:\n    pass\n")
    except SyntaxError:
        return False
    return True


def _contract(hint: Hint) -> FunctionContract:
    about = f"method of {hint.owner}" if hint.owner else hint.note
    return FunctionContract(name=hint.name, signature=hint.signature, description=about)


def cli_usages(request: str) -> dict[str, str]:
    """`python FILE ARGS` usage lines of the request, per file (one line each, `; `-joined)."""
    found: dict[str, list[str]] = {}
    for match in _USAGE.finditer(request):
        usage, path = match.group(1).strip().rstrip(".,;:"), match.group(2)
        if usage not in found.setdefault(path, []):
            found[path].append(usage)
    return {path: "; ".join(lines[:6]) for path, lines in found.items()}


def spec_from_request(request: str) -> Spec | None:
    """The spec, without a model, of a request that itself fixes the interface: it names the
    files and gives signatures or command-line usage for each. None when it does not (a model
    product manager must then work out what to build)."""
    names = [n for n in file_names(request) if not n.split("/")[-1].startswith("test")]
    if not names:
        return None
    usages = cli_usages(request)
    files = {n: FileContract(path=n, cli_usage=usages.get(n, "")) for n in names}
    for hint in function_hints(request):
        owner = files.get(hint.file or "") or files[names[0]]
        owner.functions.append(_contract(hint))
    if any(not (f.functions or f.cli_usage) for f in files.values()):
        return None
    heading = _HEADING.search(request)
    summary = heading.group(1) if heading else request.strip().splitlines()[0]
    ordered = sorted(files.values(), key=lambda f: bool(f.cli_usage))  # libraries first
    return Spec(summary=summary[:200], files=ordered, from_request=True)


def enforce(spec: Spec, request: str) -> Spec:
    """The spec with every file and signature from the request present, spelled exactly."""
    files = {f.path: f for f in spec.files}
    for path in file_names(request):
        if path not in files and not path.startswith("test"):
            files[path] = FileContract(path=path, purpose="named by the client")
    if not files:
        files["app.py"] = FileContract(path="app.py", purpose="the program")
    for hint in function_hints(request):
        owner = next(
            (f for f in files.values() if any(fn.name == hint.name for fn in f.functions)), None
        )
        if owner is None:
            owner = files.get(hint.file or "") or next(iter(files.values()))
            owner.functions.append(_contract(hint))
            continue
        for fn in owner.functions:
            if fn.name == hint.name:
                fn.signature = hint.signature
    named = set(file_names(request))
    ordered = sorted(files.values(), key=lambda f: (f.path not in named, f.path))
    return spec.model_copy(update={"files": ordered})
