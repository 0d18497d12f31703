"""Pull runnable code out of a model's reply, and join it with the task's header.

Small models wrap code in prose, forget or repeat fences, append usage examples, stop mid-line, or
answer with only a function body. We take the fenced block that defines the function, cut what does
not parse at the end, and drop top-level statements that would run on import (prints, asserts,
``if __name__ == "__main__"`` blocks, loops).
"""

from __future__ import annotations

import ast
import re

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:\n```|\Z)", re.DOTALL)
_CODE_START = re.compile(r"^(def |async def |class |import |from |@)", re.MULTILINE)
_KEEP = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
    ast.Try,
)


def fenced_blocks(reply: str) -> list[str]:
    blocks = []
    for match in _FENCE.finditer(reply):
        lang = match.group(1).lower()
        if lang in ("", "python", "py", "python3"):
            blocks.append(match.group(2))
    return blocks


def defines(code: str, name: str) -> bool:
    return (
        re.search(rf"^\s*(async\s+)?def\s+{re.escape(name)}\s*\(", code, re.MULTILINE) is not None
    )


def _parse_prefix(code: str) -> tuple[ast.Module, str] | None:
    """Parse `code`, dropping trailing lines until it parses (a reply cut off mid-statement)."""
    lines = code.rstrip().splitlines()
    for end in range(len(lines), 0, -1):
        text = "\n".join(lines[:end])
        try:
            return ast.parse(text), text
        except (SyntaxError, ValueError):
            continue
    return None


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)


def clean_module(code: str) -> str | None:
    """Keep only definitions, imports and constants; None when nothing parses."""
    parsed = _parse_prefix(code)
    if parsed is None:
        return None
    tree, text = parsed
    lines = text.splitlines()
    kept: list[str] = []
    for node in tree.body:
        if not isinstance(node, _KEEP) or _is_main_guard(node):
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        kept.append("\n".join(lines[start - 1 : node.end_lineno]))
    return "\n\n".join(kept).strip() + "\n" if kept else None


def extract_code(reply: str, entry_point: str | None = None) -> str | None:
    """The code in `reply` that best answers for `entry_point`, or None if there is none."""
    blocks = fenced_blocks(reply)
    if not blocks:
        start = _CODE_START.search(reply)
        if start is None:
            return _body_only(reply)
        blocks = [reply[start.start() :]]
    if entry_point:
        with_def = [b for b in blocks if defines(b, entry_point)]
        if with_def:
            others = [b for b in blocks if b not in with_def]
            imports = [
                ln for b in others for ln in b.splitlines() if ln.startswith(("import ", "from "))
            ]
            code = "\n".join([*imports, with_def[0]])
            return clean_module(code)
        body = _body_only(blocks[0])
        if body:
            return body
    return clean_module("\n\n".join(blocks))


def _body_only(text: str) -> str | None:
    """An indented function body (the model continued the header instead of repeating it)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and all(ln.startswith((" ", "\t")) for ln in lines):
        try:
            ast.parse("def _f():\n" + text.rstrip() + "\n")
        except SyntaxError:
            return None
        return text.rstrip() + "\n"
    return None


def merge_with_header(header: str, code: str, entry_point: str) -> str:
    """A complete module: the header's imports and helpers, then the model's code.

    If the code is only a body, it is appended to the header's signature as-is.
    """
    if not header.strip():
        return code
    if not defines(code, entry_point):
        return header.rstrip() + "\n" + code
    try:
        tree = ast.parse(header)
    except SyntaxError:
        return header.rstrip() + "\n\n\n" + code
    lines = header.splitlines()
    code_tree = ast.parse(code)
    code_names = {n.name for n in code_tree.body if hasattr(n, "name")}
    code_imports = {
        ast.unparse(n) for n in code_tree.body if isinstance(n, ast.Import | ast.ImportFrom)
    }
    parts: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if ast.unparse(node) not in code_imports:
                parts.append(ast.unparse(node))
        elif (
            getattr(node, "name", None) in code_names or getattr(node, "name", None) == entry_point
        ):
            continue
        else:
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            parts.append("\n".join(lines[start - 1 : node.end_lineno]))
    head = "\n\n".join(parts).strip()
    return (head + "\n\n\n" + code) if head else code


def extract_file(reply: str, must_define: tuple[str, ...] = ()) -> str | None:
    """A whole source file from a reply: the fenced block that defines the most of `must_define`
    (else the longest), cut back to what parses. Unlike `extract_code`, top-level statements and
    `if __name__ == "__main__":` blocks are kept: a file may be a program."""
    blocks = fenced_blocks(reply)
    if not blocks:
        start = _CODE_START.search(reply)
        blocks = [reply[start.start() :]] if start else []
    if not blocks:
        return None

    def rank(block: str) -> tuple[int, int]:
        return (sum(defines(block, n) or f"class {n}" in block for n in must_define), len(block))

    parsed = _parse_prefix(max(blocks, key=rank))
    return parsed[1].rstrip() + "\n" if parsed else None
