"""Small real projects on disk, and real interpreters to run their tests with."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from macrohard.sandbox import LocalSandbox

Write = Callable[..., Path]

GOOD_CODE = "def add(a: int, b: int) -> int:\n    return a + b\n"
GOOD_TESTS = "from calc import add\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n"


@pytest.fixture
def sandbox() -> LocalSandbox:
    return LocalSandbox()


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """write({relative path: text}, name="proj") -> the project folder."""

    def _write(files: dict[str, str], name: str = "proj") -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        root.mkdir(exist_ok=True)
        return root

    return _write


@pytest.fixture(scope="session")
def python_without_coverage(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real interpreter that has pytest but no coverage module (like a bare system Python)."""
    venv = tmp_path_factory.mktemp("nocov") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_paths(vars={"base": str(venv)})["purelib"])
    (site / "a_hide.pth").write_text(
        "import os, sys; sys.modules['coverage'] = None; "
        "os.environ['PYTEST_DISABLE_PLUGIN_AUTOLOAD'] = '1'\n"
    )
    (site / "b_host.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return str(venv / "bin" / "python")


def crashing_tool(code: int = 2) -> list[str]:
    """A command that dies like a crashed tool: a traceback on stderr and a bad exit status."""
    return [
        sys.executable,
        "-c",
        f"import sys; sys.stderr.write('Traceback: boom'); sys.exit({code})",
    ]
