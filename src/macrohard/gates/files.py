"""The files of a project that gates look at: no VCS data, virtualenvs, caches or our scratch
space, and never a symlink (it could point at a host file)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        "node_modules",
    }
)
SKIP_PATHS = frozenset({".macrohard/tmp"})


def project_files(root: Path, suffix: str = "") -> Iterator[tuple[str, Path]]:
    """(posix path relative to `root`, path) of every regular file, sorted, ending in `suffix`."""
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = here.relative_to(root).as_posix()
        dirnames[:] = sorted(d for d in dirnames if _keep(here / d, _join(rel_dir, d)))
        for name in sorted(filenames):
            path = here / name
            if name.endswith(suffix) and not path.is_symlink() and path.is_file():
                yield _join(rel_dir, name), path


def _keep(path: Path, rel: str) -> bool:
    return (
        path.name not in SKIP_DIRS
        and rel not in SKIP_PATHS
        and not path.is_symlink()
        and not (path / "pyvenv.cfg").exists()  # any virtualenv, whatever its name
    )


def _join(rel_dir: str, name: str) -> str:
    return name if rel_dir == "." else f"{rel_dir}/{name}"


def is_test_file(rel: str) -> bool:
    """Test code (its imports may use the test dependencies): tests/ folders, test_*.py,
    *_test.py, conftest.py."""
    parts = rel.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )
