"""Model packs: found via real (fake-content) installed distributions, assembled, verified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from macrohard.errors import ModelPackError
from macrohard.models.packs import ModelPack, assemble, model_path, resolve_pack

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]


def install_fake_parts(site: Path, parts: list[bytes], version: str = "1.0.0") -> None:
    """Write dist-info folders like pip does, so importlib.metadata finds the parts."""
    for i, blob in enumerate(parts, start=1):
        pkg = f"fakemodel_part{i}"
        (site / pkg / "data").mkdir(parents=True)
        (site / pkg / "data" / f"part{i:02d}.bin").write_bytes(blob)
        info = site / f"{pkg}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: fakemodel-part{i}\nVersion: {version}\n"
        )
        (info / "RECORD").write_text(f"{pkg}/__init__.py,,\n{pkg}/data/part{i:02d}.bin,,\n")


def pack(parts: list[bytes], **over: object) -> ModelPack:
    blob = b"".join(parts)
    fields: dict[str, object] = dict(
        name="fake-model",
        package_prefix="fakemodel-part",
        parts=len(parts),
        version="1.0.0",
        size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        description="test",
    )
    fields.update(over)
    return ModelPack(**fields)  # type: ignore[arg-type]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def test_assembles_in_part_order_and_verifies(site: Path, tmp_path: Path) -> None:
    install_fake_parts(site, PARTS)
    path = assemble(pack(PARTS), tmp_path / "cache")
    assert path.read_bytes() == b"".join(PARTS)
    assert path.with_suffix(".verified").exists()
    assert assemble(pack(PARTS), tmp_path / "cache") == path  # cached, no re-assembly


def test_corrupt_part_fails_the_checksum_and_leaves_nothing(site: Path, tmp_path: Path) -> None:
    install_fake_parts(site, [PARTS[0], b"X" * 777, PARTS[2]])
    with pytest.raises(ModelPackError, match="corrupt or tampered") as info:
        assemble(pack(PARTS), tmp_path / "cache")
    assert "pip install fakemodel-part1==1.0.0" in str(info.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_parts_say_what_to_install(site: Path, tmp_path: Path) -> None:
    install_fake_parts(site, PARTS[:2])
    with pytest.raises(ModelPackError, match="1 of 3 parts missing") as info:
        assemble(pack(PARTS), tmp_path / "cache")
    assert "fakemodel-part3==1.0.0" in str(info.value)


def test_wrong_version_is_refused(site: Path, tmp_path: Path) -> None:
    install_fake_parts(site, PARTS, version="2.0.0")
    with pytest.raises(ModelPackError, match=r"needs exactly 1\.0\.0"):
        assemble(pack(PARTS), tmp_path / "cache")


def test_a_tampered_cached_file_is_rebuilt(site: Path, tmp_path: Path) -> None:
    install_fake_parts(site, PARTS)
    path = assemble(pack(PARTS), tmp_path / "cache")
    path.write_bytes(b"GGUF evil")
    assert assemble(pack(PARTS), tmp_path / "cache").read_bytes() == b"".join(PARTS)


def test_gguf_paths_and_names(tmp_path: Path) -> None:
    bad = tmp_path / "x.gguf"
    bad.write_bytes(b"nope")
    with pytest.raises(ModelPackError, match="not a GGUF"):
        model_path(str(bad))
    with pytest.raises(ModelPackError, match="not found"):
        model_path(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelPackError, match="unknown embedded model"):
        resolve_pack("gpt-5")
    assert resolve_pack("small").name == "qwen2.5-coder-0.5b"
