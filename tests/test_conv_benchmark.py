"""bench_conv.py's isolated mode: a child process reports one median per layer (timings are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_conv.py"


def test_child_process_reports_a_median_for_every_layer_case():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--child", "fast", "--quick", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    medians = json.loads(done.stdout.strip().splitlines()[-1])
    assert [label.split(" (")[0] for label in medians] == ["conv"] * 4 + ["max pool"] * 2
    assert all(seconds > 0 for seconds in medians.values())
