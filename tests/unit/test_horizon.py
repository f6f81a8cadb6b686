"""Time-horizon fits on data whose true horizon is known, and the bootstrap's structure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from horizonbench.scoring import ScoringInputError, fit_horizon, horizon_method, success_by_length, task_weights
from horizonbench.scoring.horizon_bootstrap import _hierarchical_counts
from horizonbench.scoring.horizon_fit import fit_logistic

TRUE_H50 = 30.0
TRUE_SLOPE = -1.0
# p = sigmoid(a + b * log2(minutes)) crosses 0.5 at 30 minutes when a = -b * log2(30).
TRUE_INTERCEPT = -TRUE_SLOPE * math.log2(TRUE_H50)
# The 80% horizon: log2(h80) = (logit(0.8) - a) / b = log2(30) - ln(4), so h80 = 11.478 minutes.
TRUE_H80 = 2 ** ((math.log(4) - TRUE_INTERCEPT) / TRUE_SLOPE)


def synthetic(n_tasks: int = 400, attempts: int = 3, n_families: int = 80, seed: int = 7) -> pd.DataFrame:
    """Tasks log-uniform over 1-1024 minutes; each attempt succeeds with the true curve's probability."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tasks):
        minutes = 2 ** rng.uniform(0, 10)
        p = 1 / (1 + math.exp(-(TRUE_INTERCEPT + TRUE_SLOPE * math.log2(minutes))))
        for attempt in range(attempts):
            status = "passed" if rng.random() < p else "failed"
            rows.append(
                {
                    "task": f"t{t}",
                    "family": f"f{t % n_families}",
                    "attempt": attempt,
                    "status": status,
                    "reward": 1.0 if status == "passed" else 0.0,
                    "expert_minutes": minutes,
                    "horizon_steps": minutes * 3,
                }
            )
    return pd.DataFrame(rows)


def ladder(lengths_passed: list[float], lengths_failed: list[float]) -> pd.DataFrame:
    rows = [{"task": f"p{m}", "status": "passed", "expert_minutes": m} for m in lengths_passed]
    rows += [{"task": f"f{m}", "status": "failed", "expert_minutes": m} for m in lengths_failed]
    return pd.DataFrame(rows)


class TestRecovery:
    def test_recovers_known_horizons(self) -> None:
        fit = fit_horizon(synthetic(), n_bootstrap=1000, seed=1)
        assert fit.h50 is not None and fit.h80 is not None
        assert abs(math.log2(fit.h50 / TRUE_H50)) < 0.35
        assert abs(math.log2(fit.h80 / TRUE_H80)) < 0.5
        assert fit.slope == pytest.approx(TRUE_SLOPE, abs=0.2)
        assert fit.h50_low < TRUE_H50 < fit.h50_high
        assert fit.h80_low < TRUE_H80 < fit.h80_high
        assert fit.h50_low < fit.h50 < fit.h50_high
        assert (fit.n_trials, fit.n_tasks, fit.n_families) == (1200, 400, 80)
        assert fit.n_below == (0, 0) and fit.n_above == (0, 0)
        assert fit.method.name == "default" and fit.method.interval == "family-bootstrap"

    def test_family_weighting_also_recovers(self) -> None:
        fit = fit_horizon(synthetic(), weights="invsqrt_family", n_bootstrap=200, seed=1)
        assert fit.h50 is not None
        assert abs(math.log2(fit.h50 / TRUE_H50)) < 0.35

    def test_steps_use_horizon_steps(self) -> None:
        # Steps are 3x the minutes, so the step horizon is 3x the minute horizon.
        df = synthetic(n_tasks=200)
        minutes = fit_horizon(df, n_bootstrap=50)
        steps = fit_horizon(df, length="steps", n_bootstrap=50)
        assert minutes.h50 is not None and steps.h50 is not None
        assert steps.h50 == pytest.approx(3 * minutes.h50, rel=1e-6)
        assert steps.length == "steps"

    def test_reward_threshold_defines_success(self) -> None:
        df = synthetic(n_tasks=100)
        # Every reward is 0 or 1, so "reward >= 0.5" is the same outcome as "passed"...
        by_status = fit_horizon(df, n_bootstrap=20)
        by_reward = fit_horizon(df.assign(status="failed"), success_threshold=0.5, n_bootstrap=20)
        assert by_reward.h50 == pytest.approx(by_status.h50)
        # ...and a threshold above every reward makes every trial a failure.
        assert fit_horizon(df, success_threshold=1.5, n_bootstrap=20).h50 == 0.0

    def test_same_seed_same_interval(self) -> None:
        df = synthetic(n_tasks=100)
        a, b = fit_horizon(df, n_bootstrap=200, seed=5), fit_horizon(df, n_bootstrap=200, seed=5)
        c = fit_horizon(df, n_bootstrap=200, seed=6)
        assert (a.h50_low, a.h50_high) == (b.h50_low, b.h50_high)
        assert (a.h50_low, a.h50_high) != (c.h50_low, c.h50_high)


class TestEdgeCases:
    def test_separable_data_gives_a_finite_symmetric_fit(self) -> None:
        # Passes at 1-8 minutes, failures at 16-128: symmetric about log2 = 3.5 on the log
        # scale, so the penalised fit crosses 50% exactly at 2**3.5 = 11.3137 minutes.
        fit = fit_horizon(ladder([1, 2, 4, 8], [16, 32, 64, 128]), n_bootstrap=200)
        assert fit.slope < 0 and math.isfinite(fit.slope)
        assert fit.h50 == pytest.approx(2**3.5, rel=1e-6)
        assert fit.success_probability(2**3.5) == pytest.approx(0.5)

    def test_horizon_formula(self) -> None:
        fit = fit_horizon(synthetic(n_tasks=100), n_bootstrap=20)
        a, b = fit.intercept, fit.slope
        assert fit.horizon(0.8) == pytest.approx(2 ** ((math.log(0.8 / 0.2) - a) / b))
        assert fit.h80 == pytest.approx(fit.horizon(0.8))
        assert fit.success_probability(fit.h50 or 0) == pytest.approx(0.5)

    def test_all_passed_is_infinite_and_all_failed_is_zero(self) -> None:
        passed = fit_horizon(ladder([1, 10, 100], []), n_bootstrap=50)
        assert passed.h50 == math.inf and passed.h80 == math.inf
        assert (passed.h50_low, passed.h50_high) == (math.inf, math.inf)
        failed = fit_horizon(ladder([], [1, 10, 100]), n_bootstrap=50)
        assert failed.h50 == 0.0 and failed.h50_high == 0.0

    def test_success_rising_with_length_has_no_falling_crossing(self) -> None:
        # Longer tasks succeed more: at the longest task success is above 50% (so the 50%
        # horizon is unbounded) but below 80% at every length fitted, so no length is within
        # the 80% horizon: 0, as when every trial failed. (It used to be undefined, and such
        # bootstrap replicates were dropped while all-fail ones counted as 0.)
        df = ladder([16, 64, 128, 128], [1, 2, 4, 128])
        fit = fit_horizon(df, n_bootstrap=200)
        assert fit.slope > 0
        assert 0.5 < fit.success_probability(128) < 0.8
        assert fit.h50 == math.inf
        assert fit.h80 == 0.0
        # Every replicate gets a horizon and is counted on the side it ends on.
        assert fit.n_below[1] + fit.n_above[1] == fit.n_no_crossing[1] > 0
        assert fit.n_below[1] > 0

    def test_replicates_without_a_crossing_are_counted_not_dropped(self) -> None:
        # Four tasks on a few lengths: many replicates draw only passes or only failures, or
        # a rising curve. None is dropped: each counts as 0 or inf in the interval.
        df = ladder([1, 2], [4, 8])
        fit = fit_horizon(df, n_bootstrap=400, seed=3)
        h = fit.replicate_intercepts.size
        assert h == 400
        assert fit.n_below[0] > 0 and fit.n_above[0] > 0
        assert fit.h50_low == 0.0 and fit.h50_high == math.inf

    def test_errors_and_unknown_lengths_are_left_out_and_counted(self) -> None:
        df = pd.concat(
            [
                ladder([1, 2, 4, 8], [16, 32, 64, 128]),
                pd.DataFrame(
                    [
                        {"task": "e", "status": "error", "expert_minutes": 1000.0},
                        {"task": "u", "status": "passed", "expert_minutes": np.nan},
                    ]
                ),
            ]
        )
        fit = fit_horizon(df, n_bootstrap=50)
        assert (fit.n_trials, fit.n_errors, fit.n_unknown_length) == (8, 1, 1)
        assert fit.h50 == pytest.approx(2**3.5, rel=1e-6)

    def test_no_lengths_raises(self) -> None:
        df = pd.DataFrame({"task": ["a"], "status": ["passed"], "expert_minutes": [np.nan]})
        with pytest.raises(ScoringInputError, match="'expert_minutes'"):
            fit_horizon(df)
        with pytest.raises(ScoringInputError, match="'horizon_steps'"):
            fit_horizon(df, length="steps")

    def test_bad_options_raise(self) -> None:
        df = ladder([1], [2])
        with pytest.raises(ScoringInputError, match="option 'weights'"):
            fit_horizon(df, weights="uniform")  # type: ignore[arg-type]
        with pytest.raises(ScoringInputError, match="option 'n_bootstrap'"):
            fit_horizon(df, n_bootstrap=0)
        with pytest.raises(ScoringInputError, match="option 'horizon method'"):
            fit_horizon(df, method="epoch")
        with pytest.raises(ScoringInputError, match="option 'horizon interval'"):
            fit_horizon(df, interval="jackknife")  # type: ignore[arg-type]
        with pytest.raises(ScoringInputError, match="give one of them"):
            fit_horizon(df, l2=1.0, reg=0.1)


class TestMethods:
    def test_metr_preset(self) -> None:
        metr = horizon_method("metr")
        assert (metr.weights, metr.reg, metr.interval) == ("invsqrt_family", 0.1, "hierarchical-bootstrap")
        # METR's reg is on weights summing to 1; here weights sum to the tasks.
        assert metr.penalty(40) == pytest.approx(4.0)
        assert metr.describe() == "metr: weights=invsqrt_family, reg=0.1 (METR scale), interval=hierarchical-bootstrap"

    def test_options_replace_the_preset_and_rename_it(self) -> None:
        chosen = horizon_method("metr", interval="family-bootstrap")
        assert (chosen.name, chosen.weights, chosen.interval) == ("custom", "invsqrt_family", "family-bootstrap")
        assert horizon_method("default", l2=0.1).name == "default"  # no change, same preset
        assert horizon_method("metr", l2=2.0).reg is None

    def test_reg_is_l2_on_metr_scale(self) -> None:
        df = synthetic(n_tasks=100)
        by_reg = fit_horizon(df, reg=0.5, n_bootstrap=20)
        by_l2 = fit_horizon(df, l2=0.5 * 100, n_bootstrap=20)
        assert by_reg.l2 == pytest.approx(50.0)
        assert (by_reg.intercept, by_reg.slope) == pytest.approx((by_l2.intercept, by_l2.slope))

    def test_family_bootstrap_is_narrower_than_hierarchical(self) -> None:
        df = synthetic(n_tasks=200)
        family = fit_horizon(df, n_bootstrap=400, seed=2)
        nested = fit_horizon(df, interval="hierarchical-bootstrap", n_bootstrap=400, seed=2)
        assert family.h50 == nested.h50
        assert math.log(family.h50_high / family.h50_low) < 0.9 * math.log(nested.h50_high / nested.h50_low)


class TestWeightsAndBootstrap:
    def test_task_weights(self) -> None:
        # Family A: four tasks with one attempt each; family B: one task with two attempts.
        df = pd.DataFrame(
            {
                "task": ["a1", "a2", "a3", "a4", "b1", "b1"],
                "family": ["A", "A", "A", "A", "B", "B"],
                "status": ["passed"] * 6,
            }
        )
        # equal: each task weighs 1 in total.
        assert task_weights(df, "equal").tolist() == pytest.approx([1, 1, 1, 1, 0.5, 0.5])
        # invsqrt_family: family A weighs sqrt(4) = 2 (0.5 per task), family B sqrt(1) = 1.
        assert task_weights(df, "invsqrt_family").tolist() == pytest.approx([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])

    def test_fit_satisfies_penalised_score_equations(self) -> None:
        # At the optimum of sum w * loglik - l2/2 * b², with weights summing to the task
        # count: sum w (y - p) = 0 and sum w (y - p) x = l2 * b.
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 8, 60)
        y = (rng.random(60) < 1 / (1 + np.exp(x - 4))).astype(float)
        w = rng.uniform(0.2, 1.0, 60)
        l2 = 0.7
        a, b = fit_logistic(x, y, w[None, :], l2, total=20.0)
        w_scaled = w * 20.0 / w.sum()
        p = 1 / (1 + np.exp(-(a[0] + b[0] * x)))
        assert float(np.sum(w_scaled * (y - p))) == pytest.approx(0.0, abs=1e-8)
        assert float(np.sum(w_scaled * (y - p) * x)) == pytest.approx(l2 * b[0], abs=1e-8)

    def test_hierarchical_counts_keep_the_hierarchy(self) -> None:
        # Families F (tasks t1, t2, t3) and G (task t4); t1 has 2 attempts, t4 has 3.
        families = np.array(["F", "F", "F", "F", "G", "G", "G"])
        tasks = np.array(["t1", "t1", "t2", "t3", "t4", "t4", "t4"])
        counts = _hierarchical_counts(families, tasks, 500, np.random.default_rng(3))
        attempts = {"t1": 2, "t2": 1, "t3": 1, "t4": 3}
        task_draws = {t: counts[:, tasks == t].sum(axis=1) / n for t, n in attempts.items()}
        # Each drawn task contributes exactly as many attempt draws as it has attempts...
        for draws in task_draws.values():
            assert np.all(draws == np.round(draws))
        # ...and each drawn family exactly as many task draws as it has tasks.
        f_draws = (task_draws["t1"] + task_draws["t2"] + task_draws["t3"]) / 3
        g_draws = task_draws["t4"] / 1
        assert np.all(f_draws == np.round(f_draws))
        assert np.all(f_draws + g_draws == 2)
        # Both families are drawn (F twice, G twice, or one each) in some replicates.
        assert {0.0, 1.0, 2.0} <= set(f_draws.tolist())


class TestSuccessByLength:
    def test_buckets(self) -> None:
        df = pd.DataFrame(
            {
                "task": ["a", "a", "b", "c", "d"],
                "status": ["passed", "failed", "passed", "failed", "error"],
                "expert_minutes": [2.0, 2.0, 3.0, 30.0, 30.0],
            }
        )
        table = success_by_length(df)
        assert table["bucket"].tolist() == ["<4 min", "15-60 min"]
        # <4 min: task a 1/2 and task b 1/1, mean 0.75; 15-60: task c 0/1 (d only errored).
        assert table["success_rate"].tolist() == pytest.approx([0.75, 0.0])
        assert table["n_trials"].tolist() == [3, 1]
        assert table["predicted"].isna().all()

    def test_predicted_column_follows_the_fit(self) -> None:
        df = synthetic(n_tasks=200)
        fit = fit_horizon(df, n_bootstrap=20)
        table = success_by_length(df, fit=fit)
        # Success falls with length, both observed and fitted, and they agree within 0.1.
        assert table["success_rate"].is_monotonic_decreasing
        assert table["predicted"].is_monotonic_decreasing
        assert np.max(np.abs(table["success_rate"] - table["predicted"])) < 0.1
