"""The DESIGN §7 benchmarks as a test, only when asked for: SAFELOG_BENCH=1.

    SAFELOG_BENCH=1 pytest tests/bench                      # --quick sizes (CI)
    SAFELOG_BENCH=1 SAFELOG_BENCH_FULL=1 pytest tests/bench  # 1 GiB, 10,000 cases

The benchmarks run in a child process (tests/bench/run.py) so that its memory measurement
is not disturbed by pytest, and the test fails when any budget fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).with_name("run.py")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("SAFELOG_BENCH") != "1", reason="benchmarks run only with SAFELOG_BENCH=1"
    ),
]


def test_performance_budgets(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = [sys.executable, str(RUN), "--json", str(out)]
    if os.environ.get("SAFELOG_BENCH_FULL") != "1":
        args.append("--quick")
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=3600, cwd=RUN.parents[2], check=False
    )
    print(done.stdout)
    results = json.loads(out.read_text()) if out.exists() else {}
    assert done.returncode == 0, (
        f"over budget: {results.get('failed')}\n{done.stdout}\n{done.stderr[-4000:]}"
    )
    assert results["results"], "the benchmarks produced no results"
