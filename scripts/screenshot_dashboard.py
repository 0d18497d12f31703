"""Refresh docs/dashboard.png: the browser test, with its screenshot switched on.

    .venv/bin/python scripts/screenshot_dashboard.py [--out docs/dashboard.png]

Runs tests/api/test_dashboard_browser.py (Debian's chromium, a real uvicorn server on 127.0.0.1,
the scripted company) and saves the finished build's page.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    args = parser.parse_args()
    env = {**os.environ, "MACROHARD_DASHBOARD_SCREENSHOT": str(args.out.resolve())}
    test = "tests/api/test_dashboard_browser.py"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", test], cwd=ROOT, env=env)
    if done.returncode == 0:
        print(f"saved {args.out}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
