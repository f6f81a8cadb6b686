"""Statistical properties the numbers must have, checked by simulation with fixed seeds.

- the time-horizon fit recovers a known 50% horizon, and its 95% interval covers it in
  90-98% of 200 simulated runs (more cases in ``test_coverage.py``);
- under two identical agents the CI gate fails about alpha of 500 builds, and it catches a
  real 15-point drop on 100 tasks;
- pass@k and pass^k equal brute-force enumeration over all k-subsets of attempts.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from horizonbench.scoring import (
    compare,
    fit_horizon,
    pass_at_k,
    pass_at_k_task,
    pass_hat_k,
    pass_hat_k_task,
    regression,
)

TRUE_H50 = 30.0
SLOPE = -1.0  # log-odds per doubling of task length


def simulated_run(rng: np.random.Generator, n_tasks: int = 80, attempts: int = 2) -> pd.DataFrame:
    """Tasks log-uniform over 1-1024 expert minutes, succeeding with sigmoid(SLOPE * log2(minutes / TRUE_H50))."""
    minutes = 2 ** rng.uniform(0, 10, n_tasks)
    p = 1 / (1 + np.exp(-SLOPE * np.log2(minutes / TRUE_H50)))
    passed = rng.random((n_tasks, attempts)) < p[:, None]
    return pd.DataFrame(
        {
            "task": np.repeat([f"t{i}" for i in range(n_tasks)], attempts),
            "family": np.repeat([f"f{i // 2}" for i in range(n_tasks)], attempts),
            "status": np.where(passed.ravel(), "passed", "failed"),
            "expert_minutes": np.repeat(minutes, attempts),
        }
    )


def test_horizon_fit_recovers_the_true_horizon_and_its_interval_covers_it() -> None:
    rng = np.random.default_rng(20240501)
    estimates, covered, widths = [], 0, []
    for i in range(200):
        fit = fit_horizon(simulated_run(rng), n_bootstrap=200, seed=i)
        assert fit.h50 is not None
        estimates.append(fit.h50)
        covered += fit.h50_low <= TRUE_H50 <= fit.h50_high
        widths.append(math.log2(fit.h50_high / fit.h50_low))
    # The estimates centre on the truth: the median is within 10% of 30 minutes.
    assert abs(float(np.median(estimates)) / TRUE_H50 - 1) < 0.10
    # The 95% interval covers the truth in 90-98% of runs (94.5% here): not too narrow, and
    # not too wide either, which the old hierarchical bootstrap was (200 of 200 here). Its
    # median width is under 1.2 doublings of task length (the hierarchical one: 1.4).
    assert 0.90 <= covered / 200 <= 0.98, f"coverage {covered / 200:.3f}"
    assert float(np.median(widths)) < 1.2


def paired_runs(rng: np.random.Generator, p_base: np.ndarray, p_cand: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    tasks = [f"t{i:03d}" for i in range(len(p_base))]
    base = rng.random(len(p_base)) < p_base
    cand = rng.random(len(p_cand)) < p_cand
    return (
        pd.DataFrame({"task": tasks, "status": np.where(base, "passed", "failed")}),
        pd.DataFrame({"task": tasks, "status": np.where(cand, "passed", "failed")}),
    )


def test_gate_fails_about_alpha_of_builds_when_agents_are_identical() -> None:
    rng = np.random.default_rng(7)
    flagged = 0
    for i in range(500):
        # Tasks differ in difficulty (most are nearly always or nearly never solved); both
        # agents share each task's chance of success.
        p = rng.beta(0.6, 0.6, 100)
        base, cand = paired_runs(rng, p, p)
        flagged += regression(compare(base, cand, n_bootstrap=200, seed=i), max_drop=0.0, alpha=0.05)
    assert 0.02 <= flagged / 500 <= 0.08, f"false regressions: {flagged}/500"


def test_gate_catches_a_real_15_point_drop_on_100_tasks() -> None:
    rng = np.random.default_rng(11)
    # Deterministic case: the candidate loses 18 tasks and gains 3 (net -15 points).
    outcomes = np.array([True] * 60 + [False] * 40)
    cand = outcomes.copy()
    cand[:18] = False
    cand[60:63] = True
    tasks = [f"t{i:03d}" for i in range(100)]
    base_df = pd.DataFrame({"task": tasks, "status": np.where(outcomes, "passed", "failed")})
    cand_df = pd.DataFrame({"task": tasks, "status": np.where(cand, "passed", "failed")})
    result = compare(base_df, cand_df)
    assert result.diff == pytest.approx(-0.15)
    assert regression(result, max_drop=0.05, alpha=0.05)
    assert not regression(result, max_drop=0.20, alpha=0.05)
    # Simulated: every task's chance of success is 15 points lower for the candidate, and both
    # agents' attempts are independent draws. The gate catches the drop in most runs (about 86%
    # of them; the rest are runs where chance hid most of it).
    flagged = 0
    for i in range(200):
        p = 0.15 + 0.85 * rng.beta(0.6, 0.6, 100)
        base, cand_run = paired_runs(rng, p, p - 0.15)
        flagged += regression(compare(base, cand_run, n_bootstrap=200, seed=i), max_drop=0.0, alpha=0.05)
    assert flagged / 200 >= 0.80, f"caught {flagged}/200"


def brute_force(n: int, c: int, k: int) -> tuple[float, float]:
    """Over every k-subset of n attempts (c passed): the share with any pass, and with all passing."""
    attempts = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(attempts, k))
    return sum(any(s) for s in subsets) / len(subsets), sum(all(s) for s in subsets) / len(subsets)


def test_pass_at_k_and_pass_hat_k_match_enumeration() -> None:
    for n in range(1, 9):
        for c in range(n + 1):
            for k in range(1, n + 1):
                any_pass, all_pass = brute_force(n, c, k)
                assert pass_at_k_task(n, c, k) == pytest.approx(any_pass, abs=1e-12), (n, c, k)
                assert pass_hat_k_task(n, c, k) == pytest.approx(all_pass, abs=1e-12), (n, c, k)


def test_frame_level_pass_at_k_is_the_mean_of_enumerated_task_values() -> None:
    # Tasks with 3 to 6 attempts; k = 3 uses every task, k = 5 only those with 5 or more.
    tasks = {"a": (3, 1), "b": (4, 0), "c": (5, 2), "d": (6, 6), "e": (6, 3)}
    rows = [
        {"task": t, "family": t, "status": "passed" if i < c else "failed"}
        for t, (n, c) in tasks.items()
        for i in range(n)
    ]
    df = pd.DataFrame(rows)
    for k in (1, 3, 5):
        eligible = [(n, c) for n, c in tasks.values() if n >= k]
        expected = [brute_force(n, c, k) for n, c in eligible]
        at_k, hat_k = pass_at_k(df, k), pass_hat_k(df, k)
        assert at_k.n_tasks == hat_k.n_tasks == len(eligible)
        assert at_k.estimate == pytest.approx(np.mean([e[0] for e in expected]))
        assert hat_k.estimate == pytest.approx(np.mean([e[1] for e in expected]))
