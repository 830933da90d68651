"""The memory estimate of a grid cell: an upper bound of the measured peak, and the refusal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cselab.errors import CselabError
from cselab.gradients.memory import available_memory, cell_bytes, check_cell_fits, human_bytes

PEAK_SCRIPT = """
import re, sys, torch
from pathlib import Path
from cselab.gradients.li2024 import Li2024Settings, sample_angle_rows
from cselab.gradients.parts import compute_parts
from cselab.gradients.summaries import summarise_parts
torch.set_num_threads(1)

def resident(field):  # kB from /proc/self/status
    return int(re.search(field + r":\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))

loss, rows = sys.argv[1], int(sys.argv[2])
settings = Li2024Settings(rows=rows)
Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
before = resident("VmRSS")
scores = sample_angle_rows([0.3], [0.5], settings, torch.Generator().manual_seed(0))
labels = torch.zeros(rows, dtype=torch.long)
summarise_parts(compute_parts(loss, scores, labels), scores, labels)
print((resident("VmHWM") - before) * 1024)
"""


@pytest.mark.parametrize("loss", ["mat", "symmetric_info_nce"])  # the largest measured peaks
def test_the_estimate_bounds_the_measured_peak_of_a_cell(loss):
    if not os.access("/proc/self/clear_refs", os.W_OK):
        pytest.skip("needs Linux /proc/self/clear_refs to reset the peak memory")
    rows = 40_000
    done = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, loss, str(rows)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    peak = int(done.stdout.strip())
    assert 0.3 * cell_bytes(rows, 127) < peak < cell_bytes(rows, 127)


def test_a_cell_larger_than_the_available_memory_is_refused_naming_the_estimate():
    assert check_cell_fits(1000, 127, available=10**9) == 12 * 8 * 1000 * 128
    with pytest.raises(
        CselabError,
        match=r"rows=100000000 x \(1 \+ negatives=127\) cosines need about 1.23 TB .* 1 GB is available",
    ):
        check_cell_fits(100_000_000, 127, available=10**9)
    assert available_memory() > 0
    assert human_bytes(1_228_800_000_000) == "1.23 TB" and human_bytes(512) == "512 B"
