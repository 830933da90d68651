"""The run's tidy table ``RUN_DIR/metrics.csv``, appended atomically.

Each append rewrites the whole file through :func:`cselab.results.table.write_table`
(temp file + rename), so a crash leaves the previous complete table, never a torn row.
On resume, rows after the checkpoint's step are dropped (they will be measured again).
``RUN_DIR/summary.json`` records what produced the run: package versions, time, planned
length and world size of every session (the first, and each resumption) and how each
ended (finished, stopped by a signal, diverged), the best checkpoint, the final model and
the disk used, so the report can show them.
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
#: the ``kind`` of a run's summary.json (how the report recognises a run folder)
SUMMARY_KIND = "cselab_training_run"


def record_session(
    run_dir: Path, name: str, start_step: int, world_size: int, planned_steps: int
) -> None:
    """Add this session (versions, UTC time, first step, planned last step, processes) to
    ``summary.json``."""
    path = Path(run_dir) / SUMMARY_FILE
    summary: dict = {"kind": SUMMARY_KIND, "run": name, "sessions": []}
    if start_step > 0 and path.is_file():
        summary = read_summary(run_dir)
    session = {
        "start_step": start_step,
        "planned_steps": planned_steps,
        "world_size": world_size,
        **provenance(),
    }
    summary["sessions"].append(session)
    summary["versions"] = session["versions"]  # the latest, shown by `cselab report`
    summary["status"] = "training"
    write_summary(run_dir, summary)


def record_end(run_dir: Path, step: int, status: str, reason: str, **fields: object) -> None:
    """How the latest session ended (``status``: finished, stopped, diverged; ``reason`` in
    words) and ``fields`` (best checkpoint, final model, disk used) in ``summary.json``."""
    summary = read_summary(run_dir)
    if summary.get("sessions"):
        summary["sessions"][-1]["end"] = {"step": step, "status": status, "reason": reason}
    summary.update(status=status, **fields)
    write_summary(run_dir, summary)


def read_summary(run_dir: Path) -> dict:
    path = Path(run_dir) / SUMMARY_FILE
    if not path.is_file():
        return {"kind": SUMMARY_KIND, "sessions": []}
    return json.loads(path.read_text(encoding="utf-8"))


def write_summary(run_dir: Path, summary: dict) -> None:
    path = Path(run_dir) / SUMMARY_FILE
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


def training_rows(
    totals: dict, components: dict[str, float], lr: float, *, skipped: bool = False
) -> list[dict]:
    """Means since the last log of the loss (and its components) and of the gradient norm
    (before clipping) over the applied steps; the learning rate; cumulative training time
    and, with ``skipped``, steps skipped for a non-finite loss or gradient."""
    rows = []
    if totals["loss_count"]:  # every step of the window may have been skipped
        rows.append({"metric": "train_loss", "value": totals["loss_sum"] / totals["loss_count"]})
    if totals.get("grad_norm_count"):
        mean = totals["grad_norm_sum"] / totals["grad_norm_count"]
        rows.append({"metric": "grad_norm", "value": mean})
    rows += [
        {"metric": "learning_rate", "value": lr},
        {"metric": "train_seconds", "value": totals["train_seconds"]},
    ]
    if skipped:
        rows.append({"metric": "skipped_steps", "value": totals["skipped_steps"]})
    count = max(1, totals["loss_count"])
    rows += [{"metric": f"loss/{k}", "value": v / count} for k, v in components.items()]
    return rows


def progress_bar(name: str, start: int, total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=start, desc=name, unit="step", disable=not enabled)
