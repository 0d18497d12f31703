"""The local sandbox for real: limits, timeouts, process-group kill, clean environment."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from macrohard.sandbox import TIMEOUT_EXIT, Limits, LocalSandbox, scratch_dir


@pytest.fixture
def sb() -> LocalSandbox:
    return LocalSandbox()


def py(sb: LocalSandbox, code: str, workdir: Path, **limits: object) -> object:
    return sb.run([sb.python, "-c", code], workdir=workdir, limits=Limits(**limits))  # type: ignore[arg-type]


def test_runs_and_captures_output(sb: LocalSandbox, tmp_path: Path) -> None:
    res = py(sb, "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)", tmp_path)
    assert res.returncode == 3 and res.stdout == "out\n" and res.stderr == "err\n"  # type: ignore[attr-defined]
    assert not res.ok  # type: ignore[attr-defined]


def test_infinite_loop_times_out_with_124(sb: LocalSandbox, tmp_path: Path) -> None:
    start = time.perf_counter()
    res = py(sb, "while True: pass", tmp_path, timeout=1.0)
    assert res.timed_out and res.returncode == TIMEOUT_EXIT  # type: ignore[attr-defined]
    assert time.perf_counter() - start < 5


def alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting for a reaper."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_children_are_killed_with_the_group(sb: LocalSandbox, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
    )
    py(sb, code, tmp_path, timeout=5.0)
    pid = int(pidfile.read_text())
    time.sleep(0.2)
    assert not alive(pid)


def test_memory_limit_stops_a_memory_bomb(sb: LocalSandbox, tmp_path: Path) -> None:
    res = py(sb, "x = bytearray(800 * 1024 * 1024)", tmp_path, memory_mb=256)
    assert res.returncode != 0 and "MemoryError" in res.stderr  # type: ignore[attr-defined]


def test_output_is_capped(sb: LocalSandbox, tmp_path: Path) -> None:
    res = py(sb, "print('x' * 5_000_000)", tmp_path, output_bytes=1000)
    assert res.truncated and len(res.stdout) == 1000  # type: ignore[attr-defined]


def test_file_size_limit(sb: LocalSandbox, tmp_path: Path) -> None:
    code = "open('big', 'wb').write(b'0' * (3 * 1024 * 1024))"
    res = py(sb, code, tmp_path, file_size_mb=1)
    assert res.returncode != 0
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_host_environment_does_not_leak(
    sb: LocalSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-123")
    res = py(sb, "import os; print(sorted(os.environ))", tmp_path)
    assert "OPENAI_API_KEY" not in res.stdout and "canary" not in res.stdout  # type: ignore[attr-defined]


def test_scratch_dir_rejects_escaping_paths() -> None:
    with pytest.raises(ValueError, match="escapes"), scratch_dir({"../evil.py": "x"}):
        pass
