"""How fast results turn into numbers: loading 100,000 trials, every metric, a horizon bootstrap.

Writes synthetic ``result.json`` files (the shape a run writes: a run directory with one
``trials/<trial-id>/result.json`` per trial) into a temporary directory, then times

- ``load``: :func:`horizonbench.results.load` of the whole run into a DataFrame;
- ``metrics``: pass@1 per agent and model, pass@k and pass^k, partial credit, the milestone
  survival curve, tables by difficulty, horizon bucket and tag, and cost per solved task;
- ``horizon``: the time-horizon fit of each agent and model with a 1,000-replicate
  bootstrap, by the default method (family bootstrap) and by ``--horizon-method metr``
  (hierarchical bootstrap), timed apart and together.

Writing the files is not timed; they go to ``/dev/shm`` where it exists (a disk would
hold them in its page cache just the same after writing, and removing 100,000 directories
from a slow disk takes minutes). Prints one JSON object with wall-clock and CPU seconds
(children included: loading uses a process per CPU), the host's load average, and whether
the 10 s target for all three together is met.

    .venv/bin/python benchmarks/bench_analysis.py [--trials 100000] [--bootstrap 1000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from horizonbench.results import for_scoring, load
from horizonbench.scoring import (
    by_difficulty,
    by_horizon_bucket,
    by_tag,
    cost_table,
    fit_horizon,
    partial_credit,
    pass_at_k,
    pass_hat_k,
    summarize,
    survival_curve,
)

TARGET_TOTAL_S = 10.0
AGENTS = (("openai", "model-a", 60.0), ("openai", "model-b", 20.0), ("anthropic", "model-c", 120.0), ("nop", None, 0.5))
ATTEMPTS = 5
FAMILIES = 200


def synthetic_records(n_trials: int, seed: int = 0) -> Iterator[dict[str, object]]:
    """``n_trials`` result records: agents x tasks x attempts, true logistic success."""
    rng = np.random.default_rng(seed)
    n_tasks = max(1, n_trials // (len(AGENTS) * ATTEMPTS))
    minutes = 2 ** rng.uniform(0, 9, n_tasks)
    milestones = rng.integers(0, 5, n_tasks)
    written = 0
    for agent, model, h50 in AGENTS:
        for t in range(n_tasks):
            p = 1 / (1 + (minutes[t] / h50) ** 1.2)
            for attempt in range(ATTEMPTS):
                if written >= n_trials:
                    return
                yield _record(rng, agent, model, t, attempt, float(minutes[t]), int(milestones[t]), p)
                written += 1


def new_run_dir(root: Path) -> Path:
    """``root/bench`` with its run.json and an empty trials folder."""
    run = root / "bench"
    (run / "trials").mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"schema_version": "1", "run_id": "bench"}))
    return run


def write_trials(root: Path, n_trials: int, seed: int = 0) -> Path:
    """A run directory with ``n_trials`` result files (:func:`synthetic_records`)."""
    run = new_run_dir(root)
    for record in synthetic_records(n_trials, seed):
        trial_dir = run / "trials" / str(record["trial_id"])
        trial_dir.mkdir()
        (trial_dir / "result.json").write_text(json.dumps(record, indent=2))
    return run


def _record(
    rng: np.random.Generator, agent: str, model: str | None, t: int, attempt: int, minutes: float, n_ms: int, p: float
) -> dict[str, object]:
    error = rng.random() < 0.01
    passed = not error and rng.random() < p
    ms = [{"name": f"m{i}", "passed": bool(passed or rng.random() < p)} for i in range(n_ms)]
    furthest = -1
    for i, m in enumerate(ms):
        if not m["passed"]:
            break
        furthest = i
    tokens = int(rng.integers(1_000, 200_000))
    return {
        "schema_version": "1",
        "run_id": "bench",
        "trial_id": f"t{t:05d}__{agent}-{model}__{attempt}",
        "task": f"t{t:05d}",
        "suite": "synthetic",
        "family": f"f{t % FAMILIES}",
        "agent": agent,
        "model": model,
        "attempt": attempt,
        "status": "error" if error else "passed" if passed else "failed",
        "reward": 1.0 if passed else 0.0,
        "error": "sandbox died" if error else None,
        "error_kind": "sandbox" if error else None,
        "verdict": None
        if error
        else {
            "status": "passed" if passed else "failed",
            "reward": 1.0 if passed else 0.0,
            "grader": "milestones" if n_ms else "reward",
            "mode": "fresh",
            "resolution": None,
            "tests": {},
            "milestones": ms,
            "furthest_milestone": furthest,
            "exit_code": 0 if passed else 1,
            "flags": [],
            "detail": "ok" if passed else "tests failed",
        },
        "outcome": {
            "status": "submitted",
            "steps": int(rng.integers(1, 80)),
            "input_tokens": tokens,
            "cached_input_tokens": tokens // 2,
            "output_tokens": tokens // 20,
            "cost_usd": tokens * 3e-6,
            "message": "",
            "infra_error": False,
            "limit": None,
            "malformed_tool_calls": 0,
            "retries": 0,
        },
        "image": "hb-task/synthetic:0",
        "image_id": "sha256:0",
        "task_hash": "0",
        "difficulty": ("easy", "medium", "hard")[min(2, int(math.log2(minutes) // 3))],
        "tags": ["synthetic", f"tag{t % 7}"],
        "expert_minutes": minutes,
        "horizon_steps": int(minutes * 3),
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:01:00+00:00",
        "timings": {"agent_s": 30.0, "verifier_s": 5.0, "total_s": 40.0},
        "flags": [],
    }


def all_metrics(df: object) -> dict[str, object]:
    """Every metric the report shows, for every agent and model; returns a few figures to print."""
    import pandas as pd

    assert isinstance(df, pd.DataFrame)
    by = ["agent", "model"]
    summary = summarize(df, by)
    by_difficulty(df, by)
    by_horizon_bucket(df, by)
    by_tag(df, by)
    cost_table(df.assign(model=df["model"].fillna("-")), by)
    for _, group in df.groupby(by, dropna=False):
        pass_at_k(group, ATTEMPTS)
        pass_hat_k(group, ATTEMPTS)
        partial_credit(group)
        survival_curve(group)
    return {"groups": len(summary), "pass_at_1": [round(float(v), 4) for v in summary["pass_at_1"]]}


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--dir", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = parser.parse_args()

    tmp_root = args.dir or tempfile.gettempdir()
    with tempfile.TemporaryDirectory(prefix="hb-bench-", dir=args.dir) as tmp:
        started = time.perf_counter()
        run = write_trials(Path(tmp), args.trials)
        write_s = time.perf_counter() - started

        load_avg = os.getloadavg()[0]
        cpu_started = _cpu_seconds()
        started = time.perf_counter()
        df = load(run)
        load_s = time.perf_counter() - started

        started = time.perf_counter()
        df = for_scoring(df)
        metrics = all_metrics(df)
        metrics_s = time.perf_counter() - started

        horizons: dict[str, dict[str, list[float]]] = {}
        horizon_times = {}
        for method in ("default", "metr"):
            started = time.perf_counter()
            for (agent, model), group in df.groupby(["agent", "model"], dropna=False):
                fit = fit_horizon(group, method=method, n_bootstrap=args.bootstrap, seed=0)
                label = f"{agent}/{model}" if isinstance(model, str) else str(agent)
                horizons.setdefault(method, {})[label] = [fit.h50, fit.h50_low, fit.h50_high]
            horizon_times[method] = time.perf_counter() - started
            if method == "default":
                cpu_s = _cpu_seconds() - cpu_started
        horizon_s = horizon_times["default"]

    total = load_s + metrics_s + horizon_s
    figures = {
        "trials": len(df),
        "tasks": int(df["task"].nunique()),
        "agents_models": metrics["groups"],
        "bootstrap_replicates": args.bootstrap,
        "write_files_seconds_untimed": round(write_s, 2),
        "load_seconds": round(load_s, 3),
        "metrics_seconds": round(metrics_s, 3),
        "horizon_bootstrap_seconds": round(horizon_s, 3),
        "horizon_bootstrap_metr_seconds_not_in_total": round(horizon_times["metr"], 3),
        "total_seconds": round(total, 3),
        "total_cpu_seconds": round(cpu_s, 3),
        "target_seconds": TARGET_TOTAL_S,
        "target_met": total < TARGET_TOTAL_S,
        "pass_at_1": metrics["pass_at_1"],
        "h50_minutes_with_interval": {
            method: {k: [round(v, 2) for v in vals] for k, vals in fits.items()} for method, fits in horizons.items()
        },
        "true_h50_minutes": {f"{a}/{m}" if m else a: h for a, m, h in AGENTS},
        "cpus": os.cpu_count(),
        "load_average_at_start": round(load_avg, 2),
        "files_in": tmp_root,
        "python": platform.python_version(),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
