"""The results viewer on a 100,000-trial run: how long the first page of its trials table takes.

Builds a synthetic run whose result rows are written straight into its columnar index (the
records of bench_analysis.py, flattened as the runner's index writer does; no result files,
which the trials table never reads), then, with a fresh viewer each time (nothing cached),
times an HTTP GET through starlette's TestClient of

- ``first_page``: the trials table's first page, unfiltered (the target: under 1 s);
- ``filtered_sorted_page``: the failed trials, sorted by cost, descending;
- ``runs_page``: the runs page, with pass@1, its interval and the cost of every agent and model;
- ``next_page``: a later page of the same viewer, once the table is read.

The baselines, measured in the same run: ``pandas_read_index`` (``pd.read_parquet`` of the whole
index, every column) and ``results_load`` (:func:`horizonbench.results.load` of the run).
Prints one JSON object.

    .venv/bin/python benchmarks/bench_viewer.py [--trials 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_analysis import new_run_dir, synthetic_records
from starlette.testclient import TestClient

from horizonbench.results import load
from horizonbench.results.columns import MTIME
from horizonbench.results.frame import frame_of_rows, row
from horizonbench.results.index import INDEX_DIR, is_sealed, write_index
from horizonbench.view import make_app, open_runs

TARGET_FIRST_PAGE_S = 1.0


def write_indexed_run(root: Path, n_trials: int, seed: int = 0) -> Path:
    """A run directory holding only run.json and a sealed index of ``n_trials`` rows."""
    run = new_run_dir(root)
    rows = [row(record, "<bench>") for record in synthetic_records(n_trials, seed)]
    df = frame_of_rows(rows)
    df[MTIME] = np.arange(len(df), dtype="int64")
    write_index(run, df)
    assert is_sealed(run)
    return run


def timed_get(run: Path, url: str) -> tuple[float, int, str]:
    """Seconds for one GET of ``url`` by a viewer opened just now, and the response."""
    started = time.perf_counter()
    client = TestClient(make_app(open_runs([run])), base_url="http://127.0.0.1")
    response = client.get(url)
    return time.perf_counter() - started, response.status_code, response.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hb-viewer-", dir=args.dir) as tmp:
        started = time.perf_counter()
        run = write_indexed_run(Path(tmp), args.trials)
        write_s = time.perf_counter() - started
        index_files = sorted((run / INDEX_DIR).glob("part-*.parquet"))
        load_avg = os.getloadavg()[0]

        def best_of(fn: object) -> list[float]:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                fn()  # type: ignore[operator]
                times.append(time.perf_counter() - t0)
            return times

        pandas_s = best_of(lambda: pd.read_parquet(index_files[0]))
        load_s = best_of(lambda: load(run))

        figures: dict[str, object] = {}
        pages = {
            "first_page": "/runs/bench/trials.html",
            "filtered_sorted_page": "/runs/bench/trials.html?status=failed&sort=cost&order=desc",
            "runs_page": "/index.html",
        }
        for name, url in pages.items():
            times = []
            for _ in range(args.repeat):
                seconds, status, text = timed_get(run, url)
                if status != 200 or ("data-status" not in text and name != "runs_page"):
                    sys.exit(f"{url}: HTTP {status}")
                times.append(seconds)
            figures[f"{name}_seconds"] = [round(t, 3) for t in times]
        client = TestClient(make_app(open_runs([run])), base_url="http://127.0.0.1")
        client.get(pages["first_page"])
        t0 = time.perf_counter()
        later = client.get("/runs/bench/trials.html?page=1000&sort=tokens")
        next_s = time.perf_counter() - t0
        if later.status_code != 200:
            sys.exit(f"page 1000: HTTP {later.status_code}")

    first = statistics.median(figures["first_page_seconds"])  # type: ignore[arg-type]
    out = {
        "trials": args.trials,
        "write_seconds_untimed": round(write_s, 1),
        "baseline_pandas_read_index_seconds": [round(t, 3) for t in pandas_s],
        "baseline_results_load_seconds": [round(t, 3) for t in load_s],
        **figures,
        "next_page_same_viewer_seconds": round(next_s, 3),
        "first_page_median_seconds": round(first, 3),
        "first_page_vs_pandas_read_index": round(first / statistics.median(pandas_s), 2),
        "load_average_at_start": round(load_avg, 2),
        "target_first_page_seconds": TARGET_FIRST_PAGE_S,
        "target_met": first <= TARGET_FIRST_PAGE_S,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
