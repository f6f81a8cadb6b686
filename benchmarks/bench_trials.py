"""Harness overhead per trial and trial throughput on the smoke suite with the oracle.

Overhead = trial wall time - agent time - test time: what the harness itself costs
(sandbox start, collecting the diff, the grading container, writing results). It is set
against a baseline measured in the same run: starting and closing one bare sandbox of the
same image. Target: overhead median <= 2x that baseline. Per-phase medians say where the
overhead goes. Prints one JSON object. Images are built before timing starts.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from horizonbench.runner.executor import RunOptions
from horizonbench.runner.run import execute
from horizonbench.sandbox import Sandbox, base_image, images
from horizonbench.tasks.loader import load_suite

REPO = Path(__file__).resolve().parents[1]
ATTEMPTS = 3
TARGET_RATIO = 2.0
BASELINE_REPEATS = 6


def sandbox_lifetime(image: str) -> float:
    """Median seconds to start one sandbox, run one command, and close it (waiting for removal)."""
    times = []
    for _ in range(BASELINE_REPEATS):
        t0 = time.monotonic()
        sb = Sandbox.start(image)
        sb.exec("true")
        sb.close(wait=True)
        times.append(time.monotonic() - t0)
    return statistics.median(times)


def main() -> None:
    base_image.ensure()
    suite = load_suite(REPO / "tasks" / "smoke")
    for t in suite.tasks:
        images.ensure(t)
    figures: dict[str, object] = {"suite": "smoke", "tasks": len(suite.tasks), "attempts": ATTEMPTS}
    overheads: list[float] = []
    phases: dict[str, list[float]] = {}
    baselines = [sandbox_lifetime(images.ensure(suite.tasks[0]).tag)]
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
            for r in summary.results:
                t = r.timings
                parts = {
                    "image": t.image_s,
                    "sandbox_start": t.start_s,
                    "collect": t.collect_s,
                    "grading_outside_tests": t.verifier_s - t.test_s,
                    "write_and_cleanup": t.total_s - t.image_s - t.start_s - t.agent_s - t.collect_s - t.verifier_s,
                }
                for name, value in parts.items():
                    phases.setdefault(name, []).append(value)
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
    baselines.append(sandbox_lifetime(images.ensure(suite.tasks[0]).tag))  # before and after: the machine drifts
    baseline = statistics.median(baselines)
    figures["overhead_phases_median_s"] = {k: round(statistics.median(v), 3) for k, v in phases.items()}
    figures["sandbox_start_and_teardown_s"] = round(baseline, 3)
    figures["overhead_ratio_to_sandbox_lifetime"] = round(statistics.median(overheads) / baseline, 2)
    figures["target_ratio"] = TARGET_RATIO
    figures["target_met"] = figures["overhead_ratio_to_sandbox_lifetime"] <= TARGET_RATIO  # type: ignore[operator]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
