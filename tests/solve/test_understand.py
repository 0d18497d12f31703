"""The repository map ranks what the request is about; the test command is found and run."""

from __future__ import annotations

from pathlib import Path

import pytest

from macrohard.errors import UserError
from macrohard.sandbox import default_sandbox
from macrohard.solve import RepoMap, detect_test_command, parse_test_command
from macrohard.solve.testrun import TestCommand, regressions, run_tests


def write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return sorted(files)


FILES = {
    "shop/cart.py": (
        "class Cart:\n    def add(self, item: str, price: float) -> None:\n"
        '        """Put an item in the cart."""\n\n    def total(self) -> float:\n'
        "        return 0.0\n"
    ),
    "shop/money.py": "def round_cents(x: float) -> float:\n    return round(x, 2)\n",
    "shop/broken.py": "def oops(:\n",
    "tests/test_cart.py": "from shop.cart import Cart\n\ndef test_total():\n    pass\n",
    "README.md": "# shop\n",
}


def test_the_map_outlines_signatures_and_ranks_named_code_first(tmp_path: Path) -> None:
    repo = RepoMap.scan(tmp_path, write(tmp_path, FILES))
    assert [f.path for f in repo.files] == [
        "shop/broken.py",
        "shop/cart.py",
        "shop/money.py",
        "tests/test_cart.py",
    ]
    cart = repo.get("shop/cart.py")
    assert cart is not None
    assert "    def add(self, item: str, price: float) -> None  # Put an item in the cart." in (
        cart.outline()
    )
    assert "does not parse" in repo.get("shop/broken.py").outline()  # type: ignore[union-attr]
    request = "Cart.total() ignores the discount; `total` should apply it"
    assert repo.ranked(request)[0].path == "shop/cart.py"
    assert repo.ranked("round_cents rounds 2.675 down")[0].path == "shop/money.py"


def test_the_map_fits_its_budget_and_names_what_did_not_fit(tmp_path: Path) -> None:
    repo = RepoMap.scan(tmp_path, write(tmp_path, FILES))
    text = repo.render("Cart total", budget_chars=230)
    assert len(text) <= 230
    assert text.startswith("shop/cart.py")
    assert "other files:" in text or "more files" in text


def test_test_command_detection(tmp_path: Path) -> None:
    assert detect_test_command(tmp_path, []) is None
    (tmp_path / "Makefile").write_text("lint:\n\ttrue\ntest:\n\tpython3 -m unittest\n")
    assert detect_test_command(tmp_path, ["Makefile"]) == TestCommand(
        "shell", line="make test", why="Makefile target `test`"
    )
    found = detect_test_command(tmp_path, ["tests/test_x.py"])
    assert found is not None and found.kind == "pytest"
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '-q'\n")
    assert detect_test_command(tmp_path, []).why.startswith("pyproject")  # type: ignore[union-attr]
    assert parse_test_command("python -m pytest tests -x").args == ("tests", "-x")
    assert parse_test_command("make check").kind == "shell"
    with pytest.raises(UserError, match="empty"):
        parse_test_command("  ")


def test_runs_are_compared_test_by_test_against_the_baseline(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "m.py": "def f():\n    return 1\n",
            "tests/test_m.py": (
                "from m import f\n\ndef test_one():\n    assert f() == 1\n\n"
                "def test_known_bad():\n    assert f() == 2\n"
            ),
        },
    )
    sandbox = default_sandbox()
    command = detect_test_command(tmp_path, ["tests/test_m.py"])
    assert command is not None
    before = run_tests(tmp_path, command, sandbox)
    assert before.passed == {"tests.test_m::test_one"}
    assert before.failed == {"tests.test_m::test_known_bad"}
    assert "assert 1 == 2" in before.failures["tests.test_m::test_known_bad"]
    (tmp_path / "m.py").write_text("def f():\n    return 2\n")
    after = run_tests(tmp_path, command, sandbox)
    # the test that was already failing is no regression; the one that passed is
    assert regressions(before, after) == ["tests.test_m::test_one"]
    shell = run_tests(tmp_path, TestCommand("shell", line="exit 3"), sandbox)
    assert not shell.ok and shell.returncode == 3
    assert regressions(run_tests(tmp_path, TestCommand("shell", line="true"), sandbox), shell)
