"""The run's tidy table ``RUN_DIR/metrics.csv``, appended atomically.

Each append rewrites the whole file through :func:`cselab.results.table.write_table`
(temp file + rename), so a crash leaves the previous complete table, never a torn row.
On resume, rows after the checkpoint's step are dropped (they will be measured again).
``RUN_DIR/summary.json`` records what produced the run: package versions, time and world
size of every session (the first, and each resumption), so the report can show them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cselab.io.atomic import write_text
from cselab.results.provenance import provenance
from cselab.results.table import concat_tables, make_table, read_table, write_table

METRICS_FILE = "metrics.csv"
SUMMARY_FILE = "summary.json"


def record_session(run_dir: Path, name: str, start_step: int, world_size: int) -> None:
    """Add this session (versions, UTC time, first step, processes) to ``summary.json``."""
    path = Path(run_dir) / SUMMARY_FILE
    summary: dict = {"kind": "cselab_training_run", "run": name, "sessions": []}
    if start_step > 0 and path.is_file():
        summary = json.loads(path.read_text(encoding="utf-8"))
    session = {"start_step": start_step, "world_size": world_size, **provenance()}
    summary["sessions"].append(session)
    summary["versions"] = session["versions"]  # the latest, shown by `cselab report`
    write_text(path, json.dumps(summary, indent=2), what="run summary")


def append_rows(path: str | os.PathLike[str], rows: Iterable[Mapping[str, object]]) -> None:
    """Append rows to the table at ``path`` (created if missing)."""
    new = make_table(rows)
    if new.empty:
        return
    target = Path(path)
    frame = concat_tables([read_table(target), new]) if target.is_file() else new
    write_table(frame, target)


def drop_after(path: str | os.PathLike[str], step: int) -> None:
    """Remove rows with ``step > step`` (measured after the checkpoint a run resumes from)."""
    target = Path(path)
    if target.is_file():
        frame = read_table(target)
        write_table(frame[frame["step"] <= step], target)


class RunLog:
    """The one place a run's rows are written: ``metrics.csv`` (and TensorBoard), each row
    stamped with the run, step and model; only where ``enabled`` (rank 0)."""

    def __init__(self, run_dir: Path, run: str, model: str, *, enabled: bool, tensorboard: bool):
        self.path = Path(run_dir) / METRICS_FILE
        self.run, self.model = run, model
        self.enabled = enabled
        self.board = Tensorboard(Path(run_dir), tensorboard and enabled)

    def log(self, rows: list[dict], step: int) -> None:
        if self.enabled:
            stamp = {"run": self.run, "step": step, "model": self.model}
            append_rows(self.path, [{**stamp, **row} for row in rows])
            self.board.log(rows, step)


class Tensorboard:
    """The same rows as TensorBoard scalars, when ``tensorboard: true`` (rank 0 only)."""

    def __init__(self, run_dir: Path, enabled: bool) -> None:
        self.writer = None
        if enabled:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tensorboard"))

    def log(self, rows: list[dict], step: int) -> None:
        if self.writer is not None:
            for row in rows:
                suffix = f"/layer{row['layer']}" if row.get("layer", -1) >= 0 else ""
                self.writer.add_scalar(f"{row['metric']}{suffix}", row["value"], step)
            self.writer.flush()


def training_rows(totals: dict, components: dict[str, float], lr: float) -> list[dict]:
    """Mean loss (and loss components) since the last probe, learning rate, time spent."""
    count = max(1, totals["loss_count"])
    rows = [
        {"metric": "train_loss", "value": totals["loss_sum"] / count},
        {"metric": "learning_rate", "value": lr},
        {"metric": "train_seconds", "value": totals["train_seconds"]},
    ]
    rows += [{"metric": f"loss/{k}", "value": v / count} for k, v in components.items()]
    return rows


def progress_bar(name: str, start: int, total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=start, desc=name, unit="step", disable=not enabled)
