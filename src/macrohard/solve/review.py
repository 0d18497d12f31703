"""The reviewer's gates for a change to someone else's code: only what the change adds counts.

An existing repository may not be lint-clean, and the change must not be blamed for that (nor
rewrite the client's style). So the ruff and bandit gates run twice, on the changed files as
they were at the base and as they are now, and only findings the change added fail the gate.
Where the repository configures ruff (ruff.toml, .ruff.toml, `[tool.ruff]` in pyproject.toml),
its rules are the ones checked, as the base commit has them (a change cannot loosen its own
lint). Before the gates, the changed files are formatted where the repository is formatted:
`ruff format` on a file whose base version was already format-clean, and on new files when
the repository's existing files are. An import the change put inside a function that the
file already has at the top goes (ruff reports it as a redefinition).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from macrohard.gates import BanditGate, Gate, GateResult, RuffGate
from macrohard.gates.base import run_tool, tool
from macrohard.gates.static import RUFF_RULES
from macrohard.sandbox import Sandbox
from macrohard.synth.imports import drop_repeated_imports
from macrohard.workspace import Workspace

CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml")
SAMPLE = 10  # existing files looked at to tell whether a repository is formatted


def ruff_config(tree: Workspace, base: str) -> dict[str, str]:
    """The repository's top-level ruff configuration files at `base` ({} when it has none)."""
    files = set(tree.files(base))
    found = {}
    for name in CONFIG_FILES:
        if name in files:
            text = tree.read(name, base)
            if name != "pyproject.toml" or "[tool.ruff" in text:
                found[name] = text
    return found


def _write(files: dict[str, str], into: Path) -> None:
    for rel, text in files.items():
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _export(tree: Workspace, ref: str | None, paths: list[str], into: Path) -> None:
    """The files at `ref` (None: as they are in the work tree) under `into`."""
    files = {}
    for rel in paths:
        if ref is None:
            source = tree.path / rel
            if source.is_file():
                files[rel] = source.read_text()
        elif rel in tree.files(ref):
            files[rel] = tree.read(rel, ref)
    _write(files, into)


TIDY_RULES = "F401,F541,F841,E711,E712"  # unused imports and names, f-strings without fields


def tidy(tree: Workspace, new_files: list[str]) -> list[str]:
    """ruff's fixes for what a model leaves in the files this change created (unused imports,
    comparisons to None); files that existed are left in their authors' style. Returns the
    files it changed."""
    argv = tool("ruff")
    paths = [p for p in new_files if p.endswith(".py") and (tree.path / p).is_file()]
    if argv is None or not paths:
        return []
    before = {p: (tree.path / p).read_text() for p in paths}
    cmd = [*argv, "check", "--isolated", f"--select={TIDY_RULES}", "--fix", "--unsafe-fixes"]
    run_tool([*cmd, "--no-cache", "-q", *paths], tree.path)
    return [p for p in paths if (tree.path / p).read_text() != before[p]]


def drop_repeats(tree: Workspace, base: str, changed: list[str]) -> list[str]:
    """The imports inside functions that repeat one at the top of the file, dropped from the
    changed Python files where the change added them. Returns the files it changed."""
    base_files = set(tree.files(base))
    out = []
    for rel in changed:
        path = tree.path / rel
        if not rel.endswith(".py") or not path.is_file():
            continue
        text = path.read_text()
        new = drop_repeated_imports(text, tree.read(rel, base) if rel in base_files else "")
        if new != text:
            path.write_text(new)
            out.append(rel)
    return out


def format_like_the_repository(tree: Workspace, base: str, changed: list[str]) -> list[str]:
    """`ruff format` on the changed Python files where the repository is formatted: a file that
    existed, when its base version was format-clean; a new file, when the existing files the
    change touched (or, if none, the repository's first few) all were. Returns what changed."""
    argv = tool("ruff")
    paths = [p for p in changed if p.endswith(".py") and (tree.path / p).is_file()]
    if argv is None or not paths:
        return []
    config = ruff_config(tree, base)
    isolated = [] if config else ["--isolated"]
    base_files = set(tree.files(base))
    existing = [p for p in paths if p in base_files]
    evidence = existing or sorted(p for p in base_files if p.endswith(".py"))[:SAMPLE]
    unformatted = set()
    with tempfile.TemporaryDirectory(prefix="mh-format-") as tmp:
        _export(tree, base, evidence, Path(tmp))
        _write(config, Path(tmp))
        for rel in evidence:  # one at a time: the exit status is the verdict, whatever the output
            check = run_tool([*argv, "format", *isolated, "--check", "--no-cache", rel], Path(tmp))
            if check.returncode not in (0, 1):  # ruff cannot read the file or the configuration
                return []
            if check.returncode == 1:
                unformatted.add(rel)
    repository_formatted = bool(evidence) and not unformatted
    targets = [
        p
        for p in paths
        if (p in base_files and p not in unformatted)
        or (p not in base_files and repository_formatted)
    ]
    if not targets:
        return []
    before = {p: (tree.path / p).read_text() for p in targets}
    run_tool([*argv, "format", *isolated, "--no-cache", "-q", *targets], tree.path)
    return [p for p in targets if (tree.path / p).read_text() != before[p]]


def _is_test(path: str) -> bool:
    name = Path(path).name
    parts = Path(path).parts[:-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name in ("tests.py", "conftest.py")
        or "tests" in parts
    )


def _keys(result: GateResult) -> Counter[tuple[str, str]]:
    return Counter((f.path or "", f.message) for f in result.findings)


def review_changes(
    tree: Workspace,
    base: str,
    changed: list[str],
    sandbox: Sandbox,
    gates: tuple[Gate, ...] | None = None,
) -> list[dict[str, Any]]:
    """Each gate's verdict on the findings the change adds to `changed` (Python files)."""
    config = ruff_config(tree, base)
    gates = gates or (RuffGate(select=None if config else RUFF_RULES), BanditGate())
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mh-review-") as tmp:
        before, after = Path(tmp, "before"), Path(tmp, "after")
        before.mkdir()
        after.mkdir()
        _export(tree, base, changed, before)
        _export(tree, None, changed, after)
        for folder in (before, after):  # the repository's own lint rules, as at the base
            _write(config, folder)
        for gate in gates:
            if gate.name == "bandit":  # asserts are how tests speak: bandit reads only code
                for folder in (before, after):
                    for rel in changed:
                        if _is_test(rel):
                            (folder / rel).unlink(missing_ok=True)
            checked = sum(1 for p in after.rglob("*.py"))
            now = gate.check(after, sandbox)
            if now.status == "error" and isinstance(gate, RuffGate) and gate.select is None:
                gate = RuffGate(select=RUFF_RULES)  # e.g. a config that extends a missing file
                now = gate.check(after, sandbox)
            if now.status == "error":
                out.append({"name": gate.name, "status": "error", "summary": now.summary})
                continue
            added = _keys(now) - _keys(gate.check(before, sandbox))
            findings = [f"{path}: {message}" for path, message in sorted(added)]
            out.append(
                {
                    "name": gate.name,
                    "status": "failed" if findings else "passed",
                    "summary": f"{len(findings)} new finding(s) in {checked} changed file(s)",
                    "findings": findings[:20],
                }
            )
    return out
