"""Check the sample requests: every reference passes its acceptance tests, an empty project fails.

    python examples/requests/verify.py [NN-slug ...]

Each reference/ is copied into a fresh temporary directory, and the acceptance tests run the way
the scorer runs them: cwd = that directory, PYTHONPATH = that directory. Then the same tests run
against an empty directory and must fail. Standard library plus pytest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_acceptance(request: Path, project: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(project), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(request / "acceptance"), "-q",
         "-p", "no:cacheprovider"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


def check(request: Path) -> bool:
    meta = json.loads((request / "meta.json").read_text())
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(request / "reference", project, dirs_exist_ok=True)
        missing = [f for f in meta["files"] if not (project / f).is_file()]
        if missing:
            print(f"{request.name}: reference lacks {missing}")
            ok = False
        result = run_acceptance(request, project)
        tail = result.stdout.strip().splitlines()[-1:] or [""]
        print(f"{request.name}: reference -> rc={result.returncode} {tail[0]}")
        if result.returncode != 0 or f"{meta['tests']} passed" not in result.stdout:
            print(result.stdout[-3000:], result.stderr[-2000:])
            ok = False
    with tempfile.TemporaryDirectory() as tmp:
        result = run_acceptance(request, Path(tmp))
        tail = result.stdout.strip().splitlines()[-1:] or [""]
        print(f"{request.name}: empty     -> rc={result.returncode} {tail[0]}")
        if result.returncode == 0 or " passed" in tail[0]:
            ok = False
    return ok


def main(argv: list[str]) -> int:
    names = argv or sorted(p.name for p in HERE.iterdir() if (p / "request.md").is_file())
    results = [check(HERE / name) for name in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
