"""Harness overhead per trial and trial throughput on the smoke suite with the oracle.

Overhead = trial wall time - agent time - test time: what the harness itself costs
(sandbox start, collecting the diff, the grading container, writing results).
Prints one JSON object. Images are built before timing starts.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from horizonbench.runner.run import RunOptions, execute
from horizonbench.sandbox import base_image, images
from horizonbench.tasks.loader import load_suite

REPO = Path(__file__).resolve().parents[1]
ATTEMPTS = 3
TARGET_OVERHEAD_S = 1.5


def main() -> None:
    base_image.ensure()
    suite = load_suite(REPO / "tasks" / "smoke")
    for t in suite.tasks:
        images.ensure(t)
    figures: dict[str, object] = {"suite": "smoke", "tasks": len(suite.tasks), "attempts": ATTEMPTS}
    overheads: list[float] = []
    for concurrency in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            opts = RunOptions(
                run_id=f"bench-c{concurrency}",
                agents=["oracle"],
                attempts=ATTEMPTS,
                concurrency=concurrency,
                results_root=Path(tmp),
            )
            started = time.monotonic()
            summary = asyncio.run(execute(suite.tasks, [suite], opts))
            wall = time.monotonic() - started
        if summary.counts["passed"] != summary.total:
            sys.exit(f"benchmark run did not pass every trial: {dict(summary.counts)}")
        per_trial = [r.timings.total_s - r.timings.agent_s - r.timings.test_s for r in summary.results]
        if concurrency == 1:
            overheads = per_trial
            figures["trial_seconds_median"] = round(statistics.median(r.timings.total_s for r in summary.results), 3)
            figures["agent_seconds_median"] = round(statistics.median(r.timings.agent_s for r in summary.results), 3)
            figures["test_seconds_median"] = round(statistics.median(r.timings.test_s for r in summary.results), 3)
        figures[f"trials_per_minute_c{concurrency}"] = round(summary.total / wall * 60, 1)
    figures["overhead_seconds_median"] = round(statistics.median(overheads), 3)
    figures["overhead_seconds_p90"] = round(sorted(overheads)[int(0.9 * (len(overheads) - 1))], 3)
    figures["throughput_ratio_c2_vs_c1"] = round(
        float(figures["trials_per_minute_c2"]) / float(figures["trials_per_minute_c1"]),
        2,  # type: ignore[arg-type]
    )
    figures["target_overhead_met"] = figures["overhead_seconds_median"] <= TARGET_OVERHEAD_S  # type: ignore[operator]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
