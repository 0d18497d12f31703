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

_FILE = re.compile(r"(?<![\w/.-])((?:[A-Za-z_][\w-]*/)*[A-Za-z_][\w-]*\.py)\b")
_DEF = re.compile(r"def\s+([A-Za-z_]\w*)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*(->\s*[^:\n`]+)?")
_TICKED = re.compile(r"`([A-Za-z_]\w*)\(([^`]*)\)\s*(->\s*[^`]+)?`")
_CLASS = re.compile(r"class\s+([A-Z]\w*)")
# `str(m)` or `len(x)` in a request is a usage example, not a function to write
_BUILTIN_NAMES = set(dir(builtins)) | {"main"}


@dataclass(frozen=True)
class Hint:
    name: str
    signature: str
    file: str | None


def file_names(request: str) -> list[str]:
    names = []
    for match in _FILE.finditer(request):
        try:
            names.append(check_path(match.group(1)))
        except ValueError:
            continue
    return list(dict.fromkeys(names))


def function_hints(request: str) -> list[Hint]:
    """Signatures written in the request, each tied to the file named closest before it."""
    files = [(m.start(), m.group(1)) for m in _FILE.finditer(request)]
    hints: dict[str, Hint] = {}
    for pattern in (_DEF, _TICKED):
        for match in pattern.finditer(request):
            name, args, ret = match.group(1), match.group(2).strip(), match.group(3)
            if name in hints or (name in _BUILTIN_NAMES and not ret):
                continue
            signature = f"def {name}({args})" + (f" {ret.strip()}" if ret else "")
            if not _is_signature(signature):  # a usage example such as `Money("1.50")`
                continue
            before = [f for pos, f in files if pos < match.start()]
            hints[name] = Hint(name, signature.rstrip(), before[-1] if before else None)
    return list(hints.values())


def _is_signature(signature: str) -> bool:
    try:
        ast.parse(f"{signature}:\n    pass\n")
    except SyntaxError:
        return False
    return True


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
            owner.functions.append(FunctionContract(name=hint.name, signature=hint.signature))
            continue
        for fn in owner.functions:
            if fn.name == hint.name:
                fn.signature = hint.signature
    named = set(file_names(request))
    ordered = sorted(files.values(), key=lambda f: (f.path not in named, f.path))
    return spec.model_copy(update={"files": ordered})
