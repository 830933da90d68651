"""Runs are named by what differs in their configs."""

from __future__ import annotations

from cselab.report.run_labels import ablation, common_fields, differing_fields, run_labels

CONFIGS = {
    "a": {"model": "m", "temperature": 0.025, "batch_size": 16, "output_dir": "x/a"},
    "b": {"model": "m", "temperature": 0.05, "batch_size": 16, "output_dir": "x/b"},
    "c": {"model": "m", "temperature": 0.05, "batch_size": 64, "output_dir": "x/c"},
}


def test_labels_from_the_fields_that_differ():
    assert differing_fields(CONFIGS) == ["temperature", "batch_size"]
    assert run_labels(["a", "b", "c"], CONFIGS) == {
        "a": "τ = 0.025 · batch 16", "b": "τ = 0.05 · batch 16", "c": "τ = 0.05 · batch 64",
    }  # fmt: skip
    assert ablation(["a", "b"], CONFIGS) == "Xiao et al. 2023, Figs. 8-11 (temperature)"
    assert common_fields({k: CONFIGS[k] for k in "ab"}) == {"model": "m", "batch_size": 16}


def test_names_when_configs_are_missing_alike_or_one_run():
    assert run_labels(["a", "z"], CONFIGS) == {"a": "a", "z": "z"}
    same = {"a": {"t": 1}, "b": {"t": 1}}
    assert run_labels(["a", "b"], same) == {"a": "a", "b": "b"}
    assert run_labels(["a"], CONFIGS) == {"a": "a"}
    null = {"a": {"temperature": None}, "b": {"temperature": 0.1}}
    assert run_labels(["a", "b"], null) == {"a": "τ = default", "b": "τ = 0.1"}


def test_a_field_an_older_run_did_not_record_is_no_difference():
    """A run written before `precision` existed beside two that record it: τ differs only."""
    older = {"a": {"temperature": 0.025}}
    newer = {k: {"temperature": t, "precision": "fp32"} for k, t in (("b", 0.05), ("c", 0.1))}
    configs = {**older, **newer}
    assert differing_fields(configs) == ["temperature"]
    assert run_labels(["a", "b", "c"], configs)["a"] == "τ = 0.025"
    mixed = {**configs, "d": {"temperature": 0.2, "precision": "bf16"}}
    assert differing_fields(mixed) == ["temperature", "precision"]
