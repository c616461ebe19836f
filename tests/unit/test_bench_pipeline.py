"""`wirepipe bench pipeline`'s replay figure: the peak RSS is the replay's own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.benchmarks.pipeline import _replay

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_the_replay_peak_is_its_own_not_that_of_a_bigger_child_run_before():
    # The benchmark's process may have run bigger children before (bench drain runs a Prism job first):
    # getrusage(RUSAGE_CHILDREN) of this process would report theirs.
    subprocess.run([sys.executable, "-c", "x = bytearray(700 * 2**20); x[::4096] = b'1' * len(x[::4096])"], check=True)
    replay = _replay([str(SEEDS)])
    assert replay["read"] > 0
    assert 50 < replay["peak_rss_mb"] < 600, replay
