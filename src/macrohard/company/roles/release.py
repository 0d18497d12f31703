"""Release: README, pyproject, CHANGELOG, version 0.1.0; then deploy: build the wheel, install it
into a fresh virtualenv and smoke-run it, all inside the sandbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

from macrohard.company.artifacts import Design, Spec
from macrohard.company.context import Context, PhaseResult
from macrohard.sandbox import Limits

VERSION = "0.1.0"
TMP = ".macrohard/tmp"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "project"


def has_main(code: str) -> bool:
    return re.search(r"^def main\(", code, re.MULTILINE) is not None


def pyproject(
    name: str, spec: Spec, modules: list[str], packages: list[str], scripts: dict[str, str]
) -> str:
    lines = [
        "[build-system]",
        'requires = ["setuptools>=61"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f'name = "{name}"',
        f'version = "{VERSION}"',
        f"description = {json.dumps(spec.summary[:200])}",
        'requires-python = ">=3.11"',
        "dependencies = []",
    ]
    if scripts:
        lines += ["", "[project.scripts]"] + [f'{k} = "{v}"' for k, v in scripts.items()]
    lines += ["", "[tool.setuptools]", f"py-modules = {json.dumps(modules)}"]
    if packages:
        lines.append(f"packages = {json.dumps(packages)}")
    return "\n".join(lines) + "\n"


def readme(name: str, spec: Spec) -> str:
    parts = [f"# {name}", "", spec.summary, "", "## Usage", ""]
    for f in spec.files:
        parts.append(f"### `{f.path}`" + (f": {f.purpose}" if f.purpose else ""))
        if f.cli_usage:
            parts += ["", "```sh", f.cli_usage, "```"]
        if f.functions:
            parts += ["", "```python", *[fn.signature for fn in f.functions], "```"]
        parts.append("")
    if spec.examples:
        parts += ["## Examples", "", *[f"- {e}" for e in spec.examples], ""]
    parts += [
        "## Tests",
        "",
        "```sh",
        "python -m pytest -q",
        "```",
        "",
        "Built by Macrohard from a client request (see `.macrohard/`).",
        "",
    ]
    return "\n".join(parts)


class Release:
    role = "release"

    def run(self, ctx: Context) -> PhaseResult:
        spec = ctx.load("spec", Spec)
        design = ctx.load("design", Design)
        name = slug(ctx.root.name)
        paths = [p.path for p in design.files if ctx.path(p.path).exists()]
        modules = [p[:-3] for p in paths if "/" not in p]
        packages = sorted({p.split("/")[0] for p in paths if "/" in p})
        for package in packages:
            init = f"{package}/__init__.py"
            if not ctx.path(init).exists():
                ctx.write(init, "")
        scripts = {
            m.replace("_", "-"): f"{m}:main" for m in modules if has_main(ctx.read(f"{m}.py"))
        }
        ctx.write("pyproject.toml", pyproject(name, spec, modules, packages, scripts))
        ctx.write("README.md", readme(name, spec))
        ctx.write(
            "CHANGELOG.md", f"# Changelog\n\n## {VERSION}\n\n- First release: {spec.summary}\n"
        )
        smoke = self.deploy(ctx, modules + packages, list(scripts))
        return PhaseResult(
            summary=f"release {VERSION}: wheel built, installed and smoke-run"
            if smoke["ok"]
            else f"release {VERSION}: deploy check failed",
            output={"version": VERSION, "deploy": smoke},
            verdict="ok" if smoke["ok"] else "failed",
            trailers={"Deploy": "passed" if smoke["ok"] else "failed"},
        )

    def deploy(self, ctx: Context, imports: list[str], scripts: list[str]) -> dict[str, object]:
        """Wheel -> fresh venv -> import every module and run every CLI with --help."""
        sb = ctx.sandbox
        limits = Limits(timeout=180, memory_mb=2048, file_size_mb=256)
        venv = str(ctx.path(f"{TMP}/venv"))
        steps: list[tuple[str, list[str]]] = [
            (
                "wheel",
                [
                    sb.python,
                    "-m",
                    "pip",
                    "wheel",
                    ".",
                    "--no-deps",
                    "--no-build-isolation",
                    "--no-index",
                    "-q",
                    "-w",
                    f"{TMP}/dist",
                ],
            ),
            ("venv", [sb.python, "-m", "venv", "--without-pip", "--clear", venv]),
        ]
        log: list[dict[str, object]] = []
        for label, argv in steps:
            res = sb.run(argv, workdir=ctx.root, limits=limits)
            log.append({"step": label, "ok": res.ok, "output": (res.stdout + res.stderr)[-500:]})
            if not res.ok:
                return {"ok": False, "steps": log}
        wheels = sorted(Path(ctx.root, TMP, "dist").glob("*.whl"))
        if not wheels:
            return {"ok": False, "steps": [*log, {"step": "wheel", "ok": False, "output": "none"}]}
        wheel = str(wheels[-1])
        checks: list[tuple[str, list[str]]] = [
            (
                "install",
                [
                    sb.python,
                    "-m",
                    "pip",
                    "--python",
                    f"{venv}/bin/python",
                    "install",
                    "-q",
                    "--no-deps",
                    "--no-index",
                    wheel,
                ],
            ),
        ]
        checks += [(f"import {m}", [f"{venv}/bin/python", "-c", f"import {m}"]) for m in imports]
        checks += [(f"{s} --help", [f"{venv}/bin/{s}", "--help"]) for s in scripts]
        for label, argv in checks:
            res = sb.run(argv, workdir=Path(ctx.root, TMP), limits=limits)
            log.append({"step": label, "ok": res.ok, "output": (res.stdout + res.stderr)[-500:]})
            if not res.ok:
                return {"ok": False, "steps": log}
        return {"ok": True, "steps": log}
