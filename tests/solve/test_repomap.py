"""The repository map outlines signatures and ranks what a request is about first.

Standard library only (with pytest): these tests also run under a sandbox's plain Python.
"""

from __future__ import annotations

from pathlib import Path

from macrohard.solve.repomap import RepoMap


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
