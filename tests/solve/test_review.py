"""The solve reviewer on a real git repository: the repository's own ruff rules, and formatting
only where the repository is formatted."""

from __future__ import annotations

from pathlib import Path

import pytest

from macrohard.sandbox import LocalSandbox
from macrohard.solve.review import format_like_the_repository, review_changes, ruff_config
from macrohard.workspace import Workspace

CALC = "def add(a, b):\n    return a + b\n"
LONG_LINE = (
    "\n\ndef describe(a, b):\n"
    "    return f'the sum of {a} and {b} is {a + b}, as the calculator says'\n"
)


def repo(tmp_path: Path, files: dict[str, str]) -> tuple[Workspace, str]:
    tree = Workspace.init(tmp_path / "repo")
    for rel, text in files.items():
        (tree.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree.path / rel).write_text(text)
    base = tree.commit("macrohard", "the client's code")
    return tree, base


def change(tree: Workspace, rel: str, text: str) -> None:
    (tree.path / rel).write_text(text)
    tree.commit("engineer", f"change {rel}")


def ruff_verdict(tree: Workspace, base: str) -> dict[str, object]:
    gates = review_changes(tree, base, ["calc.py"], LocalSandbox())
    return next(g for g in gates if g["name"] == "ruff")


def test_the_repositorys_own_ruff_rules_are_the_ones_checked(tmp_path: Path) -> None:
    strict = "[tool.ruff]\nline-length = 60\n\n[tool.ruff.lint]\nselect = ['E501']\n"
    tree, base = repo(tmp_path, {"calc.py": CALC, "pyproject.toml": strict})
    assert "pyproject.toml" in ruff_config(tree, base)
    change(tree, "calc.py", CALC + LONG_LINE)
    verdict = ruff_verdict(tree, base)
    assert verdict["status"] == "failed", verdict
    assert "E501" in str(verdict["findings"])

    plain, plain_base = repo(tmp_path / "plain", {"calc.py": CALC})
    assert ruff_config(plain, plain_base) == {}
    change(plain, "calc.py", CALC + LONG_LINE)
    assert ruff_verdict(plain, plain_base)["status"] == "passed"  # E501 is not a default rule


def test_a_change_cannot_loosen_the_rules_it_is_checked_by(tmp_path: Path) -> None:
    strict = "line-length = 60\n\n[lint]\nselect = ['E501']\n"
    tree, base = repo(tmp_path, {"calc.py": CALC, "ruff.toml": strict})
    (tree.path / "ruff.toml").write_text("[lint]\nselect = ['F']\n")
    change(tree, "calc.py", CALC + LONG_LINE)
    assert ruff_verdict(tree, base)["status"] == "failed"


def test_a_configuration_ruff_cannot_use_falls_back_to_the_default_rules(tmp_path: Path) -> None:
    broken = "[tool.ruff]\nextend = 'missing/base.toml'\n"
    tree, base = repo(tmp_path, {"calc.py": CALC, "pyproject.toml": broken})
    change(tree, "calc.py", CALC + "\n\ndef mul(a, b):\n    return a * b\n")
    assert ruff_verdict(tree, base)["status"] == "passed"
    change(tree, "calc.py", CALC + "\n\ndef mul(a, b):\n    return a * c\n")
    verdict = ruff_verdict(tree, base)
    assert verdict["status"] == "failed" and "F821" in str(verdict["findings"]), verdict


def test_a_formatted_repository_gets_its_changes_formatted(tmp_path: Path) -> None:
    tree, base = repo(tmp_path, {"calc.py": CALC})
    change(tree, "calc.py", CALC + "def mul(a,b):\n  return a*b\n")
    change(tree, "calc_extra.py", "def neg(a):  return -a\n")
    done = format_like_the_repository(tree, base, ["calc.py", "calc_extra.py"])
    assert sorted(done) == ["calc.py", "calc_extra.py"]
    assert (tree.path / "calc.py").read_text() == CALC + "\n\ndef mul(a, b):\n    return a * b\n"
    assert (tree.path / "calc_extra.py").read_text() == "def neg(a):\n    return -a\n"


@pytest.mark.parametrize("style", ["single", "indent2"])
def test_a_repository_with_its_own_style_is_left_alone(tmp_path: Path, style: str) -> None:
    own = (
        "def add(a, b):\n    return 'sum: %d' % (a + b)\n"
        if style == "single"
        else "def add(a, b):\n  return a + b\n"
    )
    tree, base = repo(tmp_path, {"calc.py": own})
    changed = own + "\n\ndef mul(a,b):\n  return a*b\n"
    change(tree, "calc.py", changed)
    change(tree, "extra.py", "def neg(a):  return -a\n")
    assert format_like_the_repository(tree, base, ["calc.py", "extra.py"]) == []
    assert (tree.path / "calc.py").read_text() == changed


def test_an_import_the_change_repeats_inside_a_function_is_dropped_before_the_gates(
    tmp_path: Path,
) -> None:
    # 09's fix was right but failed the ruff gate: `import uuid` again inside `is_uuid` (F811)
    from macrohard.solve.review import drop_repeats

    tree, base = repo(tmp_path, {"calc.py": "import math\n\n\n" + CALC})
    change(
        tree,
        "calc.py",
        "import math\n\n\n" + CALC + "\n\ndef root(x):\n    import math\n    return math.sqrt(x)\n",
    )
    assert ruff_verdict(tree, base)["status"] == "failed"
    assert drop_repeats(tree, base, ["calc.py"]) == ["calc.py"]
    assert "def root(x):\n    return math.sqrt(x)\n" in (tree.path / "calc.py").read_text()
    assert ruff_verdict(tree, base)["status"] == "passed"
