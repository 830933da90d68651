"""Training runs without fault, and the check that a resumed run reached the same numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch
from fault_commands import Inputs, arguments, exit_status
from safetensors.torch import load_file

from cselab.results.table import ID_COLUMNS, read_table

SWEEP_RUN = "tau0.05-bs8-model"  # the one grid point of the quick sweep
FINAL_WEIGHTS = "checkpoints/step-000004/model.safetensors"


def reference_runs(inputs: Inputs, root: Path) -> dict[str, Path]:
    """`cselab train` and `cselab sweep` without fault: command -> run folder."""
    assert exit_status(arguments("train", inputs, root / "train" / "run")) == 0
    assert exit_status(arguments("sweep", inputs, root / "sweep")) == 0
    return {"train": root / "train" / "run", "sweep": root / "sweep" / SWEEP_RUN}


def comparable_rows(run: Path, last_step: int = 4) -> pd.DataFrame:
    """The run's table up to ``last_step`` without wall-clock times, in a fixed order."""
    table = read_table(run / "metrics.csv")
    table = table[~table["metric"].str.endswith("_seconds") & (table["step"] <= last_step)]
    return table.sort_values(list(ID_COLUMNS)).reset_index(drop=True)


def assert_resumed_equal(run: Path, reference: Path) -> None:
    """Same table (up to times) and same final weights as the run without fault."""
    pd.testing.assert_frame_equal(
        comparable_rows(run), comparable_rows(reference), atol=1e-5, rtol=1e-5
    )
    expected = load_file(str(reference / FINAL_WEIGHTS))
    actual = load_file(str(run / FINAL_WEIGHTS))
    for key in expected:
        torch.testing.assert_close(actual[key], expected[key], atol=1e-5, rtol=1e-5, msg=key)
