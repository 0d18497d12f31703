"""The reviewer's gates for a change to someone else's code: only what the change adds counts.

An existing repository may not be lint-clean, and the change must not be blamed for that (nor
rewrite the client's style). So the ruff and bandit gates run twice, on the changed files as
they were at the base and as they are now, and only findings the change added fail the gate.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from macrohard.gates import BanditGate, Gate, GateResult, RuffGate
from macrohard.gates.base import run_tool, tool
from macrohard.sandbox import Sandbox
from macrohard.workspace import Workspace


def _export(tree: Workspace, ref: str | None, paths: list[str], into: Path) -> None:
    """The files at `ref` (None: as they are in the work tree) under `into`."""
    for rel in paths:
        if ref is None:
            source = tree.path / rel
            text = source.read_text() if source.is_file() else None
        else:
            text = tree.read(rel, ref) if rel in tree.files(ref) else None
        if text is not None:
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


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
    gates = gates or (RuffGate(), BanditGate())
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mh-review-") as tmp:
        before, after = Path(tmp, "before"), Path(tmp, "after")
        before.mkdir()
        after.mkdir()
        _export(tree, base, changed, before)
        _export(tree, None, changed, after)
        for gate in gates:
            if gate.name == "bandit":  # asserts are how tests speak: bandit reads only code
                for folder in (before, after):
                    for rel in changed:
                        if _is_test(rel):
                            (folder / rel).unlink(missing_ok=True)
            checked = sum(1 for p in after.rglob("*.py"))
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
