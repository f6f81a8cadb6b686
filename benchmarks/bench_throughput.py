"""Trial throughput for IO-bound trials, on the local executor and on a 2-worker local
Dask cluster, at concurrency 1, 4 and 16.

An IO-bound trial is the ``openai`` adapter against a scripted endpoint on 127.0.0.1 that
waits 2 s before every answer, for 5 steps (4 shell commands, then submit), on a tiny
same-mode task: about 10 s of waiting on the model and little Docker work. Since the work
waits on the model, concurrency 16 should give at least 8x the trials per minute of
concurrency 1, even on 2 cores. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from distributed import LocalCluster

from horizonbench.agents.scripted_endpoint import ScriptedServer, call
from horizonbench.runner.dask_executor import DaskExecutor, local_worker_resources
from horizonbench.runner.executor import Executor, LocalExecutor, RunOptions
from horizonbench.runner.run import execute
from horizonbench.sandbox import base_image, images
from horizonbench.tasks.loader import Task, load_task

DELAY_S = 2.0
SCRIPT = [*(call("bash", command=c) for c in ("true", "true", "true", "touch /app/done")), call("submit", summary="ok")]
TRIALS = {1: 3, 4: 12, 16: 48}  # per concurrency level: three waves at 4 and 16
TARGET_RATIO = 8.0
KEY_ENV = "HB_BENCH_KEY"


def _task(root: Path) -> Task:
    d = root / "io-wait"
    (d / "environment").mkdir(parents=True)
    (d / "tests").mkdir()
    (d / "task.toml").write_text(
        '[environment]\ncpus = 1\nmemory_mb = 256\n\n[verifier]\ngrader = "reward"\nmode = "same"\ntimeout_sec = 60\n'
    )
    (d / "instruction.md").write_text("Create /app/done.\n")
    (d / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\nWORKDIR /app\n")
    (d / "tests" / "test.sh").write_text(
        "mkdir -p /logs/verifier\nif [ -f /app/done ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n"
    )
    return load_task(d)


def _measure(
    task: Task, url: str, results: Path, name: str, concurrency: int, trials: int, executor: Executor
) -> dict[str, Any]:
    opts = RunOptions(
        run_id=f"{name}-c{concurrency}",
        agents=["openai"],
        attempts=trials,
        concurrency=concurrency,
        results_root=results,
        agent_options={"openai": {"model": "scripted", "base_url": url, "api_key_env": KEY_ENV}},
    )
    started = time.monotonic()
    summary = asyncio.run(execute([task], [], opts, executor=executor))
    wall = time.monotonic() - started
    if summary.counts["passed"] != trials:
        sys.exit(f"{name} at concurrency {concurrency}: not every trial passed: {dict(summary.counts)}")
    return {
        "trials": trials,
        "seconds": round(wall, 1),
        "trials_per_minute": round(trials / wall * 60, 2),
        "trial_seconds_median": round(statistics.median(r.timings.total_s for r in summary.results), 2),
        "agent_seconds_median": round(statistics.median(r.timings.agent_s for r in summary.results), 2),
    }


def _series(task: Task, url: str, results: Path, name: str, make: Any) -> dict[str, Any]:
    _measure(task, url, results, f"{name}-warmup", 2, 2, make())  # imports and first connections
    series: dict[str, Any] = {}
    for c, n in TRIALS.items():
        series[f"c{c}"] = _measure(task, url, results, name, c, n, make())
    base = series["c1"]["trials_per_minute"]
    for c in TRIALS:
        series[f"c{c}"]["ratio_vs_c1"] = round(series[f"c{c}"]["trials_per_minute"] / base, 2)
    return series


def main() -> None:
    base_image.ensure()
    os.environ[KEY_ENV] = "sk-bench-not-a-real-key"  # set before the Dask workers start: they read it
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, ScriptedServer(SCRIPT, delay=DELAY_S) as server:
        task = _task(Path(tmp))
        images.ensure(task)
        results = Path(tmp) / "results"
        figures: dict[str, Any] = {
            "trial": {"agent": "openai", "model_delay_s": DELAY_S, "steps": len(SCRIPT), "grading": "same"},
            "cores": os.cpu_count(),
            "load_average_1m_before": round(load_before, 2),
        }
        figures["local"] = _series(task, server.openai_url, results, "local", LocalExecutor)
        workers = 2
        resources = local_worker_resources(workers)
        with LocalCluster(
            n_workers=workers,
            processes=True,
            threads_per_worker=max(TRIALS),
            resources=resources,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            address = cluster.scheduler_address
            figures["dask_2_workers"] = _series(
                task, server.openai_url, results, "dask", lambda: DaskExecutor(scheduler=address)
            )
        figures["dask_worker_resources"] = resources
        figures["model_requests"] = len(server.requests)
    top = f"c{max(TRIALS)}"
    figures["target_ratio_at_16"] = TARGET_RATIO
    figures["target_met"] = {k: figures[k][top]["ratio_vs_c1"] >= TARGET_RATIO for k in ("local", "dask_2_workers")}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
