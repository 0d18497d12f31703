"""Turn the usage examples written in a docstring into assertions the engine may run.

Docstrings write examples in many ways; we read the common ones and skip what we cannot parse:

    >>> add(2, 3)            add(2, 3) ➞ 5        add(2, 3) == 5
    5                        add(2, 3) => 5       add(2, 3) -> 5     add(2, 3) = 5
"""

from __future__ import annotations

import ast
import re

_SEPARATORS = ("➞", "==>", "==", "=>", "->", "returns", "should return", "=")
_WORDS = {"true": "True", "false": "False", "null": "None", "none": "None"}
_FOR_OUTPUT = re.compile(r"^For\s+(.+?),?\s+the output should be\s+(.+)$", re.IGNORECASE)
_INPUT = re.compile(r"^Input\s*:\s*(.+)$", re.IGNORECASE)
_OUTPUT = re.compile(r"^Output\s*:\s*(.+)$", re.IGNORECASE)


def _balanced_call(text: str, start: int) -> int | None:
    """Index just past the parenthesis that closes the one at text[start]."""
    depth = 0
    quote: str | None = None
    i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _is_expr(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _literal_prefix(text: str) -> str | None:
    """The longest prefix of `text` that is a Python literal (drops trailing prose)."""
    text = text.strip().rstrip(".,;")
    if not text:
        return None
    for end in range(len(text), 0, -1):
        candidate = text[:end].strip().rstrip(",;")
        if not candidate:
            continue
        try:
            ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return candidate
    return None


def _assertion(call: str, expected: str) -> str | None:
    if not _is_expr(call):
        return None
    expected = expected.strip()
    expected = _WORDS.get(expected.rstrip(".").lower(), expected)
    literal = _literal_prefix(expected)
    if literal is None:
        return None
    return f"assert {call} == {literal}"


def _strip_comment(code: str) -> str:
    """`code` without a trailing `# comment` (only when what is left still parses)."""
    if "#" in code:
        head = code[: code.rindex("#")].rstrip()
        if _is_expr(head):
            return head
    return code


def _split_compare(code: str) -> tuple[str, str] | None:
    """`CALL == EXPECTED` written on one line -> (CALL, EXPECTED)."""
    for sep in _SEPARATORS:
        idx = code.find(f" {sep} ") if sep.isalpha() else code.find(sep)
        if idx > 0:
            return code[:idx].strip(), code[idx + len(sep) + (2 if sep.isalpha() else 0) :]
    return None


def _params(text: str, name: str) -> list[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return [a.arg for a in node.args.args]
    return []


def _call_from_args(name: str, args: str, params: list[str]) -> str | None:
    """`x = [1, 2], k = 3` or `[1, 2]` -> a call; keyword names must be real parameters."""
    args = args.strip().rstrip(".,")
    call = f"{name}({args})"
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        # `lst = [1, 2]` is not valid call syntax with spaces around `=` only in odd cases
        return None
    if not isinstance(node, ast.Call):
        return None
    keywords = [k.arg for k in node.keywords]
    if keywords and not set(keywords) <= set(params):
        if len(params) == 1 and len(node.keywords) == 1 and not node.args:
            return f"{name}({ast.unparse(node.keywords[0].value)})"
        return None
    return call


def examples_from_docstring(text: str, name: str) -> list[str]:
    """Assertions for every example of `name(...)` found in `text`, without duplicates."""
    found: list[str] = []
    lines = text.splitlines()
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\s*\(")
    params = _params(text, name)
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith(">>>"):
            code = _strip_comment(line[3:].strip())
            expected_lines = []
            j = i + 1
            while j < len(lines) and lines[j].strip() and not lines[j].strip().startswith(">>>"):
                if lines[j].strip().startswith(('"""', "'''")) or pattern.search(lines[j]):
                    break
                expected_lines.append(lines[j].strip())
                j += 1
            if pattern.search(code):
                if expected_lines:
                    made = _assertion(code, " ".join(expected_lines))
                else:
                    pair = _split_compare(code)
                    made = _assertion(*pair) if pair else None
                if made:
                    found.append(made)
            i = j
            continue
        if line.lower().startswith("assert "):
            line = line[len("assert ") :]
        for_output = _FOR_OUTPUT.match(line)
        if for_output:
            call = _call_from_args(name, for_output.group(1), params)
            made = _assertion(call, for_output.group(2)) if call else None
            if made:
                found.append(made)
            i += 1
            continue
        given = _INPUT.match(line)
        if given and i + 1 < len(lines):
            output = _OUTPUT.match(lines[i + 1].strip())
            call = _call_from_args(name, given.group(1), params)
            if output and call:
                made = _assertion(call, output.group(1))
                if made:
                    found.append(made)
            i += 1
            continue
        for match in pattern.finditer(line):
            end = _balanced_call(line, match.end() - 1)
            if end is None:
                continue
            call = line[match.start() : end]
            rest = line[end:].strip()
            for sep in _SEPARATORS:
                if rest.startswith(sep):
                    made = _assertion(call, rest[len(sep) :])
                    if made:
                        found.append(made)
                    break
        i += 1
    return list(dict.fromkeys(found))
