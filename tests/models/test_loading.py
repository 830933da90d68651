import pytest

from cselab.errors import CselabError
from cselab.models.loading import load_model, model_label, resolve_model


def test_missing_local_path_is_named(tmp_path):
    with pytest.raises(CselabError, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere" / "model"))


def test_directory_without_model_files(tmp_path):
    with pytest.raises(CselabError, match="neither modules.json"):
        resolve_model(str(tmp_path))


def test_short_name_resolves_to_installed_copy(minilm_dir):
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == str(minilm_dir)
    assert resolve_model("all-MiniLM-L6-v2") == str(minilm_dir)


def test_tiny_model_loads_and_encodes(tiny_model_dir):
    model = load_model(tiny_model_dir)
    assert model.encode(["a short sentence"]).shape == (1, 32)


def test_model_label():
    assert model_label("sentence-transformers/all-MiniLM-L6-v2") == "all-MiniLM-L6-v2"
    assert model_label("/tmp/runs/ckpt-200/") == "ckpt-200"


def test_a_damaged_model_folder_is_named(tiny_model_dir, tmp_path):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_model_dir, damaged)
    weights = damaged / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(CselabError, match="damaged' cannot be loaded"):
        load_model(damaged)
