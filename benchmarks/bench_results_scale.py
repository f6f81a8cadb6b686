"""Results at scale: a million trials over 20 runs, loaded through the runs' indexes.

Writes 20 synthetic run directories of 50,000 ``result.json`` files each (the shape a run
writes; see bench_analysis.py for the records) into ``/dev/shm`` where it exists, then times

- ``cold_load``: :func:`horizonbench.results.load` of the 20 runs with no index yet: every
  result file is read (a process per CPU) and each run's index is written;
- ``load``: the same call again, now through the sealed indexes (the target: under 10 s);
- ``metrics``: every metric the report shows, per agent and model, on the million rows;
- ``horizon``: the time-horizon fit of each agent and model with a 1,000-replicate bootstrap.

The cold load is the baseline the indexed load is set against (same machine, same run).
Prints one JSON object.

    .venv/bin/python benchmarks/bench_results_scale.py [--runs 20] [--trials-per-run 50000] [--bootstrap 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_analysis import all_metrics, write_trials

from horizonbench.results import for_scoring, load
from horizonbench.scoring import fit_horizon

TARGET_LOAD_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--trials-per-run", type=int, default=50_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hb-scale-", dir=args.dir) as tmp:
        started = time.perf_counter()
        runs = [write_trials(Path(tmp) / f"run{i:02d}", args.trials_per_run, seed=i) for i in range(args.runs)]
        write_s = time.perf_counter() - started

        started = time.perf_counter()
        cold = load(runs)
        cold_s = time.perf_counter() - started

        load_avg = os.getloadavg()[0]
        started = time.perf_counter()
        df = load(runs)
        load_s = time.perf_counter() - started
        if len(df) != len(cold) or not df["trial_id"].equals(cold["trial_id"]):
            sys.exit("the indexed load differs from the cold one")

        started = time.perf_counter()
        scoring = for_scoring(df)
        metrics = all_metrics(scoring)
        metrics_s = time.perf_counter() - started

        started = time.perf_counter()
        horizons = {}
        for (agent, model), group in scoring.groupby(["agent", "model"], dropna=False):
            fit = fit_horizon(group, n_bootstrap=args.bootstrap, seed=0)
            label = f"{agent}/{model}" if isinstance(model, str) else str(agent)
            horizons[label] = [round(v, 2) if v == v else None for v in (fit.h50, fit.h50_low, fit.h50_high)]
        horizon_s = time.perf_counter() - started

    figures = {
        "runs": args.runs,
        "trials": len(df),
        "write_seconds_untimed": round(write_s, 1),
        "cold_load_seconds": round(cold_s, 2),
        "load_seconds": round(load_s, 2),
        "load_speedup_vs_cold": round(cold_s / load_s, 1),
        "metrics_seconds": round(metrics_s, 2),
        "horizon_bootstrap_seconds": round(horizon_s, 2),
        "bootstrap_replicates": args.bootstrap,
        "groups": metrics["groups"],
        "h50_minutes_with_interval": horizons,
        "load_average_at_start": round(load_avg, 2),
        "target_load_seconds": TARGET_LOAD_S,
        "target_met": load_s <= TARGET_LOAD_S,
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
