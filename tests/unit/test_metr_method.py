"""``--horizon-method metr`` against METR's method, implemented here from their paper's description.

Kwa et al. (2025), "Measuring AI Ability to Complete Long Tasks": a logistic regression of
run success on ``log2(human minutes)``, each run weighted so that a task counts
``1 / sqrt(tasks in its family)`` (split over its runs), weights normalised to sum to 1,
and scikit-learn's L2 penalty with ``C = 1 / reg``, ``reg = 0.1``: minimise
``0.5 * b**2 + C * sum_i w_i * logloss_i`` (the intercept is not penalised). The p-horizon
is ``2 ** ((logit(p) - a) / b)``.

The reference below is written from that description alone, in its own parametrisation
(raw ``log2`` minutes, one row per run, scikit-learn's objective), and minimised by
Newton's method on the full design matrix with a backtracking line search, sharing no
code with the library.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from horizonbench.report.analysis import analyse
from horizonbench.scoring import fit_horizon
from tests.helpers import hb

REG = 0.1


def metr_reference(df: pd.DataFrame, reg: float = REG) -> tuple[float, float]:
    """(p50, p80) in minutes by METR's method, from a frame of task, family, status, expert_minutes."""
    runs_per_task = df.groupby("task")["task"].transform("size").to_numpy(dtype=float)
    tasks_per_family = df.groupby("family")["task"].transform("nunique").to_numpy(dtype=float)
    w = 1.0 / np.sqrt(tasks_per_family) / runs_per_task
    w = w / w.sum()
    x = np.log2(df["expert_minutes"].to_numpy(dtype=float))
    y = (df["status"] == "passed").to_numpy(dtype=float)
    c = 1.0 / reg

    def objective(theta: np.ndarray) -> float:
        z = theta[0] + theta[1] * x
        logloss = np.logaddexp(0.0, z) - y * z
        return float(0.5 * theta[1] ** 2 + c * np.sum(w * logloss))

    design = np.column_stack([np.ones_like(x), x])
    theta = np.zeros(2)
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        gradient = c * design.T @ (w * (p - y)) + np.array([0.0, theta[1]])
        if np.max(np.abs(gradient)) < 1e-12:
            break
        hessian = c * (design * (w * p * (1 - p))[:, None]).T @ design + np.diag([0.0, 1.0])
        direction = np.linalg.solve(hessian, gradient)
        step, f0 = 1.0, objective(theta)
        while objective(theta - step * direction) > f0 - 1e-4 * step * float(gradient @ direction):
            step /= 2
        theta = theta - step * direction
    a, b = theta
    return 2 ** ((0.0 - a) / b), 2 ** ((math.log(4.0) - a) / b)


def metr_like_run(seed: int = 2025) -> pd.DataFrame:
    """Families of 1-8 tasks, 1-6 runs per task, lengths 1-960 minutes, a true 50% horizon of 45 minutes."""
    rng = np.random.default_rng(seed)
    rows = []
    sizes = rng.integers(1, 9, 24)
    for f, size in enumerate(sizes):
        family_effect = rng.normal(0, 0.5)
        for t in range(size):
            minutes = float(2 ** rng.uniform(0, math.log2(960)))
            p = 1 / (1 + math.exp(0.8 * math.log2(minutes / 45) - family_effect))
            for run in range(int(rng.integers(1, 7))):
                rows.append(
                    {
                        "task": f"f{f}-t{t}",
                        "family": f"f{f}",
                        "run_id": "r",
                        "agent": "openai",
                        "model": "m",
                        "suite": "s",
                        "attempt": run,
                        "status": "passed" if rng.random() < p else "failed",
                        "expert_minutes": minutes,
                    }
                )
    return pd.DataFrame(rows)


def test_metr_preset_agrees_with_the_reference_within_1_percent() -> None:
    df = metr_like_run()
    p50, p80 = metr_reference(df)
    fit = fit_horizon(df, method="metr", n_bootstrap=20)
    assert fit.h50 == pytest.approx(p50, rel=0.01)
    assert fit.h80 == pytest.approx(p80, rel=0.01)
    # In fact to rounding: it is the same objective.
    assert fit.h50 == pytest.approx(p50, rel=1e-6) and fit.h80 == pytest.approx(p80, rel=1e-6)
    # The default method (equal weights, a 20-160x lighter penalty) gives another horizon on
    # these data, which is why the preset exists.
    default = fit_horizon(df, n_bootstrap=20)
    assert abs(default.h50 / p50 - 1) > 0.01


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agreement_holds_on_other_draws(seed: int) -> None:
    df = metr_like_run(seed)
    p50, p80 = metr_reference(df)
    fit = fit_horizon(df, method="metr", n_bootstrap=20)
    assert (fit.h50, fit.h80) == (pytest.approx(p50, rel=0.01), pytest.approx(p80, rel=0.01))


def test_report_with_metr_method_agrees(tmp_path: Path) -> None:
    df = metr_like_run()
    p50, p80 = metr_reference(df)
    frame = tmp_path / "run.csv"
    df.to_csv(frame, index=False)
    analysis = analyse([frame], n_bootstrap=50, horizon="metr")
    [group] = analysis.groups
    assert group.horizon is not None
    assert (group.horizon.h50, group.horizon.h80) == (pytest.approx(p50, rel=0.01), pytest.approx(p80, rel=0.01))
    # And from the command line, which prints the 50% horizon to three significant digits.
    res = hb("report", frame, "--out", tmp_path / "out", "--horizon-method", "metr", "--bootstrap", "50")
    assert res.returncode == 0, res.stderr
    shown = re.search(r"50% horizon ([0-9.]+) min", res.stdout)
    assert shown is not None and float(shown.group(1)) == pytest.approx(p50, rel=0.01)
