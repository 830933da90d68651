"""Training runs named by what differs between them, read from their configs.

Runs of one study (a sweep, a dynamics folder) differ in a few config fields — the
temperature, batch size, pooling, loss — and the figures label each run by those:
``τ = 0.025 · batch 16``. A run without a recorded config keeps its name. Which of the
paper's ablations a study mirrors follows from the fields that differ (Xiao et al. 2023:
temperature Figs. 8-11, batch size Figs. 16-19 (appendix B), pooling Figs. 20-23
(appendix D)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: how a config field is named in a label (others: the field's own name)
FIELD_NAMES = {
    "temperature": "τ",
    "batch_size": "batch",
    "learning_rate": "lr",
    "loss": "loss",
    "pooling": "pooling",
    "max_steps": "steps",
}
#: fields that say where or how a run was written, not what was trained
NOT_TRAINING = {"output_dir", "run_name", "progress", "device", "tensorboard",
                "checkpoint_every", "keep_checkpoints", "keep_best", "log_every"}  # fmt: skip
#: the paper's figures for a study that varies one of these fields
PAPER_ABLATIONS = {
    "temperature": "Xiao et al. 2023, Figs. 8-11 (temperature)",
    "batch_size": "Xiao et al. 2023, Figs. 16-19 (batch size)",
    "pooling": "Xiao et al. 2023, Figs. 20-23 (pooling)",
}


def differing_fields(configs: Mapping[str, Mapping]) -> list[str]:
    """The training fields whose values differ among the configs that record them (in
    config order): a field a run's config lacks (written by an older cselab, before the
    field existed) is not a difference."""
    fields: dict[str, None] = {}
    for config in configs.values():
        fields.update(dict.fromkeys(config))
    return [
        name
        for name in fields
        if name not in NOT_TRAINING
        and len({repr(config[name]) for config in configs.values() if name in config}) > 1
    ]


def _value(config: Mapping, name: str) -> str:
    value = config.get(name)
    if value is None:
        return "default"
    return f"{value:g}" if isinstance(value, float) else str(value)


def run_labels(runs: Sequence[str], configs: Mapping[str, Mapping]) -> dict[str, str]:
    """run -> label from the fields that differ (its name when configs are missing, when
    nothing differs, or when two runs would get the same label)."""
    known = {run: configs[run] for run in runs if run in configs}
    if len(runs) < 2 or len(known) < len(runs):
        return {run: run for run in runs}
    fields = differing_fields(known)
    if not fields:
        return {run: run for run in runs}
    made = {
        run: " · ".join(
            f"{FIELD_NAMES.get(f, f)} = {_value(known[run], f)}"
            if f == "temperature"
            else f"{FIELD_NAMES.get(f, f)} {_value(known[run], f)}"
            for f in fields
        )
        for run in runs
    }
    if len(set(made.values())) < len(made):
        return {run: f"{run} ({made[run]})" for run in runs}
    return made


def ablation(runs: Sequence[str], configs: Mapping[str, Mapping]) -> str:
    """The paper's figures a study of these runs mirrors ("" when none)."""
    known = {run: configs[run] for run in runs if run in configs}
    fields = differing_fields(known) if len(known) == len(runs) > 1 else []
    return "; ".join(PAPER_ABLATIONS[f] for f in fields if f in PAPER_ABLATIONS)


def common_fields(configs: Mapping[str, Mapping]) -> dict[str, object]:
    """The training fields all configs share, with their value."""
    if not configs:
        return {}
    first = next(iter(configs.values()))
    differ = set(differing_fields(configs))
    return {k: v for k, v in first.items() if k not in differ and k not in NOT_TRAINING}
