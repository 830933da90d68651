"""A probe reports its progress and one result line through cselab.progress."""

from __future__ import annotations

import re

from cselab import progress
from cselab.data.pairs import ScoredPair
from cselab.training.probes import ProbeSet, run_probes


def test_a_probe_says_what_it_measured_at_which_step(tiny_model, toy_sentences, capsys):
    pairs = zip(toy_sentences, toy_sentences[1:], strict=False)  # neighbours
    dev = [ScoredPair(a, b, float(i)) for i, (a, b) in enumerate(pairs)]
    probes = ProbeSet(dev_pairs=dev, sentences=toy_sentences, corpus_name="toy")
    with progress.showing("lines"):
        rows = run_probes(tiny_model, probes, "info_nce", {}, step=200)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"probe at step 200: STS dev: encoding ({2 * len(dev)} sentences) ..."
    assert f"probe at step 200: geometry ({len(toy_sentences)} sentences) ..." in lines
    value = {r["metric"]: r["value"] for r in rows}
    metrics = {r["metric"] for r in rows if r["layer"] >= 0}
    last = re.fullmatch(
        r"probe at step 200: STS dev Spearman (-?\d+\.\d\d); geometry (\d+) metrics x 3 "
        r"layers; (\d+\.\d) s",
        lines[-1],
    )
    assert last is not None, lines[-1]
    assert float(last.group(1)) == round(value["sts_dev_spearman"], 2)
    assert int(last.group(2)) == len(metrics)
    assert float(last.group(3)) == round(value["probe_seconds"], 1)


def test_probes_print_nothing_in_library_use(tiny_model, toy_sentences, capsys):
    probes = ProbeSet(sentences=toy_sentences, corpus_name="toy")
    run_probes(tiny_model, probes, "info_nce", {}, step=3)
    assert capsys.readouterr().err == ""


def test_gradient_probes_are_skipped_with_a_warning_for_non_cosine_similarity(make_config):
    """The unified gradient is defined for cosine similarity: a dot-product InfoNCE run keeps
    training (its first probe stopped the run before) and says why it has no gradient parts."""
    import pytest

    from cselab.data.pairs import Pair
    from cselab.training.probes import build_probes

    examples = [Pair(f"sentence {i}", f"sentence {i}") for i in range(8)]
    cosine = build_probes(make_config(probe_every=3), examples)
    assert cosine.gradient_batch is not None
    config = make_config(probe_every=3, loss_params={"similarity": "dot"})
    with pytest.warns(UserWarning, match="similarity='dot'"):
        dot = build_probes(config, examples)
    assert dot.gradient_batch is None


def test_gradient_probes_see_dropout_views_as_training_does(tiny_model):
    """Unsupervised SimCSE pairs a sentence with itself: the probe embeds it with dropout on
    (two masks, s_ii < 1, as in training), with the same masks at every probe, and leaves
    the model's mode and the global RNG as they were."""
    import torch

    from cselab.data.pairs import Pair

    batch = [Pair(f"sentence number {i} of the probe", f"sentence number {i} of the probe")
             for i in range(6)]  # fmt: skip
    probes = ProbeSet(gradient_batch=batch)
    tiny_model.eval()
    state = torch.get_rng_state()
    first = {r["metric"]: r["value"] for r in run_probes(tiny_model, probes, "info_nce", {})}
    again = {r["metric"]: r["value"] for r in run_probes(tiny_model, probes, "info_nce", {})}
    assert torch.equal(torch.get_rng_state(), state) and not tiny_model.training
    assert first["grad/positive_similarity"] < 1 - 1e-4  # eval mode would give exactly 1
    assert first["grad/positive_similarity"] == again["grad/positive_similarity"]
    assert first["grad/dissipation"] == again["grad/dissipation"]
