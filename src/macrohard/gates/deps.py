"""What a project depends on: declared requirements (pyproject, requirements*.txt) and the
third-party modules its code imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from macrohard.gates.files import is_test_file, project_files

_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?")
_PIN = re.compile(r"^\s*==\s*([A-Za-z0-9.+!_-]+)\s*(?:;.*)?$")
#: pip options that say where to look, not what to install
_INDEX_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--require-hashes",
    "--pre",
    "-c",
    "--constraint",
)


@dataclass(frozen=True)
class Requirement:
    name: str  # normalized (PEP 503)
    version: str | None  # the exact pin (==), else None
    source: str  # file:line
    spec: str = ""  # as written (extras, ranges and markers included), for pip


@dataclass(frozen=True)
class Import:
    module: str  # top-level name
    path: str
    line: int
    test: bool


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_name(project: Path) -> str | None:
    """[project].name from pyproject.toml, normalized; None when absent or unreadable."""
    try:
        data = _pyproject(project)
    except ValueError:
        return None
    name = data.get("project", {}).get("name")
    return normalize(name) if isinstance(name, str) else None


def declared(project: Path, extras: tuple[str, ...] = ()) -> tuple[list[Requirement], list[str]]:
    """(requirements, problems): [project].dependencies (and the optional-dependencies groups
    named in `extras`) and each requirements*.txt at the root. A line whose package cannot be
    told is a problem, never silently dropped."""
    reqs: list[Requirement] = []
    problems: list[str] = []
    try:
        table = _pyproject(project).get("project", {})
    except ValueError as exc:
        table, problems = {}, [str(exc)]
    groups = table.get("optional-dependencies", {})
    lists = [("dependencies", table.get("dependencies", []))]
    lists += [(f"optional-dependencies.{g}", groups.get(g, [])) for g in extras if g in groups]
    for where, deps in lists:
        if not isinstance(deps, list):
            problems.append(f"pyproject.toml: [project].{where} is not a list")
            continue
        for i, spec in enumerate(deps):
            _add(str(spec), f"pyproject.toml:{where}[{i}]", reqs, problems)
    for path in sorted(project.glob("requirements*.txt")):
        if path.is_symlink() or not path.is_file():
            continue
        for no, line in _logical_lines(path.read_text(encoding="utf-8", errors="replace")):
            where = f"{path.name}:{no}"
            if line.startswith("-r") or line.startswith("--requirement"):
                target = line.split(maxsplit=1)[-1].removeprefix("-r").strip()
                if not (target.startswith("requirements") and "/" not in target):
                    problems.append(f"{where}: includes {target!r}, which is not checked")
            elif line.startswith(_INDEX_OPTIONS):
                continue
            elif line.startswith("-"):
                problems.append(f"{where}: cannot tell the package of {line[:80]!r}")
            else:
                _add(line, where, reqs, problems)
    return reqs, problems


def _pyproject(project: Path) -> dict[str, Any]:
    path = project / "pyproject.toml"
    if path.is_symlink() or not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"pyproject.toml cannot be read: {exc}") from exc


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Requirement lines without comments, --hash options or continuations, with line numbers."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = no
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = re.sub(r"\s--hash[= ]\S+", "", pending + line).strip()
        pending = ""
        if line:
            out.append((start, line))
    return out


def _add(spec: str, where: str, reqs: list[Requirement], problems: list[str]) -> None:
    match = _NAME.match(spec)
    if not match or "://" in spec.split("@")[0]:
        problems.append(f"{where}: cannot tell the package of {spec[:80]!r}")
        return
    pin = _PIN.match(spec[match.end() :])
    reqs.append(Requirement(normalize(match[1]), pin[1] if pin else None, where, spec.strip()))


def third_party_imports(project: Path) -> tuple[list[Import], list[str]]:
    """(imports of modules that are neither standard library nor the project's own, files that
    do not parse). Imports guarded by `except ImportError` or `if TYPE_CHECKING` are optional."""
    local = local_modules(project)
    found: list[Import] = []
    broken: list[str] = []
    for rel, path in project_files(project, ".py"):
        try:
            tree = ast.parse(path.read_bytes(), filename=rel)
        except (SyntaxError, ValueError):
            broken.append(rel)
            continue
        optional = _optional_nodes(tree)
        test = is_test_file(rel)
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            for name in _imported(node):
                top = name.split(".")[0]
                if top and top not in sys.stdlib_module_names and top not in local:
                    found.append(Import(top, rel, getattr(node, "lineno", 0), test))
    return found, broken


def local_modules(project: Path) -> set[str]:
    """Names the project's own code can be imported by: every .py file's stem and every folder on
    the way to one (lenient on purpose: src layouts, test helpers, namespace packages)."""
    names: set[str] = set()
    for rel, _ in project_files(project, ".py"):
        parts = rel.split("/")
        names.update(parts[:-1])
        names.add(parts[-1][:-3])
    return names


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def _optional_nodes(tree: ast.AST) -> set[int]:
    guarded: list[ast.stmt] = []
    for node in ast.walk(tree):
        caught = isinstance(node, ast.Try) and any(map(_catches_import_error, node.handlers))
        if caught or (isinstance(node, ast.If) and _is_type_checking(node.test)):
            guarded += node.body  # type: ignore[attr-defined]
    return {id(sub) for stmt in guarded for sub in ast.walk(stmt)}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {k.id for k in kinds if isinstance(k, ast.Name)}
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
