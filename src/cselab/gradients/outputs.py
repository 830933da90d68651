"""Files written by ``cselab gradients`` besides its figures: ``gradients.csv`` (the tidy
table) and ``summary.json`` (the command's settings and the package versions)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from cselab.io.atomic import write_text
from cselab.results.kinds import GRADIENTS_KIND
from cselab.results.provenance import provenance
from cselab.results.table import write_table

TABLE_FILE = "gradients.csv"
SUMMARY_FILE = "summary.json"


def write_gradient_outputs(
    table: pd.DataFrame, out_dir: str | os.PathLike[str], settings: dict[str, object]
) -> list[Path]:
    """Write the table and a summary of ``settings`` (+ provenance) under ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv = write_table(table, out / TABLE_FILE)
    record = {"kind": GRADIENTS_KIND, **settings, **provenance()}
    text = json.dumps(record, indent=2, default=str)
    return [csv, write_text(out / SUMMARY_FILE, text, what="summary")]
