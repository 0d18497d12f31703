"""A repository's declared dependencies are installed (wheels only, by pip on the host) where its
tests in the sandbox import them; what cannot be installed is said, not hidden."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from macrohard.sandbox import default_sandbox
from macrohard.solve.deps import install
from macrohard.solve.testrun import DEPS, TestCommand, run_tests


def wheel(folder: Path, name: str, version: str, code: str) -> Path:
    """A minimal pure-Python wheel, made by hand (no build tool, no network)."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": code,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    out = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return out


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local package index (a folder of wheels) instead of PyPI."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    wheel(folder, "mhdemo_dep", "1.2", "def double(x):\n    return 2 * x\n")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def test_declared_dependencies_are_installed_where_the_tests_find_them(
    tmp_path: Path, index: Path
) -> None:
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["mhdemo-dep>=1.0"]\n'
        "[project.optional-dependencies]\n"
        'test = ["pytest>=7", "tomli>=1; python_version < \'3\'"]\ndocs = ["no-such-docs-tool"]\n'
    )
    (repo / "requirements.txt").write_text("no-such-package-for-macrohard==9.9\n")
    (repo / "app.py").write_text(
        "from mhdemo_dep import double\n\n\ndef quad(x):\n    return double(double(x))\n"
    )
    (repo / "tests/test_app.py").write_text(
        "from app import quad\n\n\ndef test_quad():\n    assert quad(2) == 8\n"
    )
    before = run_tests(repo, TestCommand("pytest", ()), default_sandbox())
    assert not before.ok  # ModuleNotFoundError: the sandbox has no mhdemo_dep

    deps = install(repo, default_sandbox())

    assert deps.installed == ["mhdemo-dep>=1.0"] and deps.path == DEPS
    assert deps.present == ["pytest>=7"]  # the sandbox's Python has it: not installed again
    assert not (repo / DEPS / "tomli").exists()  # not for this Python
    assert list(deps.failed) == ["no-such-package-for-macrohard==9.9"]
    assert "no-such-docs-tool" not in deps.declared  # only the test extras
    assert any("no-such-package-for-macrohard" in n for n in deps.notes())
    after = run_tests(repo, TestCommand("pytest", ()), default_sandbox())
    assert after.ok and after.passed == {"tests.test_app::test_quad"}, after.output


def test_a_repository_without_requirements_installs_nothing(tmp_path: Path, index: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    deps = install(tmp_path, default_sandbox())
    assert deps.declared == [] and deps.path is None and not (tmp_path / DEPS).exists()


def test_pip_never_imports_the_repositorys_code(
    tmp_path: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from inside the repository, `python -m pip` would import its `pip/` package first."""
    repo = tmp_path / "repo"
    (repo / "pip").mkdir(parents=True)
    marker = tmp_path / "ran-on-the-host"
    (repo / "pip/__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (repo / "requirements.txt").write_text("mhdemo-dep\n")
    monkeypatch.chdir(repo)
    deps = install(repo, default_sandbox())
    assert deps.installed == ["mhdemo-dep"] and not marker.exists()
