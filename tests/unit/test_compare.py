"""Paired comparisons: the exact McNemar / sign test, the paired bootstrap and the regression gate."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from horizonbench.scoring import ScoringInputError, compare, compare_runs, regression
from horizonbench.scoring._stats import sign_test


def run(run_id: str, outcomes: dict[str, list[str]]) -> pd.DataFrame:
    rows = [
        {"run_id": run_id, "task": task, "attempt": i, "status": status}
        for task, statuses in outcomes.items()
        for i, status in enumerate(statuses)
    ]
    return pd.DataFrame(rows)


def binary_pair(both: int, base_only: int, cand_only: int, neither: int) -> pd.DataFrame:
    """Two runs with one attempt per task and the given 2x2 table of outcomes."""
    base, cand = {}, {}
    cells = [("passed", "passed", both), ("passed", "failed", base_only), ("failed", "passed", cand_only)]
    cells.append(("failed", "failed", neither))
    i = 0
    for b, c, n in cells:
        for _ in range(n):
            base[f"t{i:02d}"], cand[f"t{i:02d}"] = [b], [c]
            i += 1
    return pd.concat([run("base", base), run("cand", cand)], ignore_index=True)


class TestExactTest:
    def test_sign_test_values(self) -> None:
        # 1 vs 9 discordant: 2 * (C(10,0) + C(10,1)) / 2**10 = 22 / 1024.
        assert sign_test(1, 9) == 0.021484375
        assert sign_test(9, 1) == 0.021484375
        # 0 vs 5: 2 / 32. Balanced outcomes are capped at 1. No discordant pairs: 1.
        assert sign_test(0, 5) == 0.0625
        assert sign_test(5, 5) == 1.0
        assert sign_test(0, 0) == 1.0

    def test_mcnemar_on_binary_runs(self) -> None:
        result = compare_runs(binary_pair(both=5, base_only=1, cand_only=9, neither=5), "base", "cand")
        assert result.binary and result.test == "exact McNemar"
        assert (result.base_better, result.candidate_better) == (1, 9)
        assert result.p_value == 0.021484375
        assert result.n_common == 20
        assert result.base_rate == pytest.approx(6 / 20)
        assert result.candidate_rate == pytest.approx(14 / 20)
        assert result.diff == pytest.approx(8 / 20)

    def test_repeated_attempts_use_the_sign_test_on_rates(self) -> None:
        base = run("base", {"A": ["passed", "failed"], "B": ["passed", "passed"], "C": ["failed", "failed"]})
        cand = run("cand", {"A": ["passed", "passed"], "B": ["passed", "failed"], "C": ["failed", "failed"]})
        result = compare(base, cand, base_label="base", candidate_label="cand")
        assert not result.binary and result.test == "exact sign test"
        assert result.per_task["diff"].to_dict() == pytest.approx({"A": 0.5, "B": -0.5, "C": 0.0})
        assert (result.base_better, result.candidate_better) == (1, 1)
        assert result.p_value == 1.0


class TestPairing:
    def test_errors_and_unshared_tasks(self) -> None:
        base = run("base", {"A": ["passed"], "B": ["failed"], "C": ["passed"]})
        cand = run("cand", {"A": ["failed", "error"], "B": ["error"], "D": ["passed"]})
        result = compare(base, cand)
        # B errored in the candidate, so only A is common; C and D each ran on one side.
        assert result.n_common == 1
        assert result.only_base == ("B", "C")
        assert result.only_candidate == ("D",)
        assert (result.base_errors, result.candidate_errors) == (0, 2)
        assert result.binary

    def test_bootstrap_interval(self) -> None:
        df = binary_pair(both=10, base_only=3, cand_only=7, neither=10)
        result = compare_runs(df, "base", "cand", n_bootstrap=2000, seed=1)
        assert result.diff_low < result.diff < result.diff_high
        again = compare_runs(df, "base", "cand", n_bootstrap=2000, seed=1)
        assert (again.diff_low, again.diff_high) == (result.diff_low, result.diff_high)

    def test_identical_differences_are_bounded_not_certain(self) -> None:
        # Four tasks, each +1: a bootstrap would say [1, 1]. Instead the share of tasks that
        # might differ is bounded by Wilson's upper limit for 0/4, u = z² / (4 + z²) = 0.489891,
        # and the interval is [1 - 2u, 1].
        base = run("base", {t: ["failed"] for t in "ABCD"})
        cand = run("cand", {t: ["passed"] for t in "ABCD"})
        result = compare(base, cand)
        assert result.interval == "no-spread bound"
        assert result.diff == 1.0
        assert result.diff_low == pytest.approx(1 - 2 * 0.489891, abs=1e-6)
        assert result.diff_high == 1.0

    def test_identical_outcomes_give_a_symmetric_bound(self) -> None:
        # 40 identical tasks: u = z² / (40 + z²) = 0.087622, interval [-u, u].
        result = compare_runs(binary_pair(both=30, base_only=0, cand_only=0, neither=10), "base", "cand")
        assert (result.diff_low, result.diff_high) == pytest.approx((-0.087622, 0.087622), abs=1e-6)
        assert result.p_value == 1.0

    def test_no_common_tasks(self) -> None:
        result = compare(run("base", {"A": ["passed"]}), run("cand", {"B": ["passed"]}))
        assert result.n_common == 0
        assert math.isnan(result.diff) and result.p_value == 1.0
        assert not regression(result, max_drop=0.0)
        # Nothing was tested: no test is named (it used to say "exact sign test").
        assert result.test == result.interval == "no test (no common tasks)"

    def test_unknown_run_is_named(self) -> None:
        df = binary_pair(1, 1, 1, 1)
        with pytest.raises(ScoringInputError, match="no rows for 'nope' \\(found: base, cand\\)"):
            compare_runs(df, "base", "nope")

    def test_markdown(self) -> None:
        text = compare_runs(binary_pair(5, 1, 9, 5), "base", "cand").to_markdown()
        assert "### cand vs base" in text
        assert "| common tasks | 20 |" in text
        assert "+40.0 pts" in text
        assert "exact McNemar p-value | 0.02148" in text
        # Only the ten tasks whose outcome changed are listed.
        assert text.count("| +1.00 |") == 9 and text.count("| -1.00 |") == 1
        short = compare_runs(binary_pair(5, 1, 9, 5), "base", "cand").to_markdown(max_tasks=3)
        assert short.count("| +1.00 |") == 2 and "| … 7 more |" in short


class TestRegressionGate:
    def test_significant_large_drop_fails_the_gate(self) -> None:
        # 10 tasks lost, none gained: p = 2 / 2**10; the drop of 10/30 exceeds 5 points.
        result = compare_runs(binary_pair(both=20, base_only=10, cand_only=0, neither=0), "base", "cand")
        assert result.p_value == pytest.approx(2 / 1024)
        assert regression(result, max_drop=0.05, alpha=0.05)

    def test_drop_within_tolerance_passes(self) -> None:
        result = compare_runs(binary_pair(both=20, base_only=10, cand_only=0, neither=0), "base", "cand")
        assert not regression(result, max_drop=0.5)

    def test_insignificant_drop_passes(self) -> None:
        # Two tasks lost out of 30: p = 2 * 1/4 = 0.5, and resamples without either lost
        # task are common enough that the interval reaches 0. The 6.7-point drop is noise.
        result = compare_runs(binary_pair(both=28, base_only=2, cand_only=0, neither=0), "base", "cand")
        assert result.p_value == 0.5
        assert result.diff_high == 0.0
        assert not regression(result, max_drop=0.02)

    def test_improvement_passes(self) -> None:
        result = compare_runs(binary_pair(both=10, base_only=0, cand_only=10, neither=0), "base", "cand")
        assert result.p_value < 0.01
        assert not regression(result, max_drop=0.0)

    def test_bootstrap_alone_can_fail_the_gate(self) -> None:
        # Five tasks, all worse (by 0.5 or 1): the sign test gives p = 2/32 = 0.0625 > 0.05,
        # but every resample of the differences is at most -0.5, so the interval lies below zero.
        base = run("base", {t: ["passed", "passed"] for t in "ABCDE"})
        cand = run("cand", {t: ["passed", "failed"] if t in "ABD" else ["failed", "failed"] for t in "ABCDE"})
        result = compare(base, cand)
        assert result.p_value == 0.0625
        assert result.diff == pytest.approx(-0.7)
        assert result.interval == "paired bootstrap" and result.diff_high <= -0.5
        assert regression(result, max_drop=0.1, alpha=0.05)

    def test_five_equal_drops_are_not_enough(self) -> None:
        # Five tasks each worse by exactly 0.5: no spread, so the bound applies. With
        # u = z² / (5 + z²) = 0.434482 the upper end is -0.5 + 1.5u = 0.1517 > 0.
        base = run("base", {t: ["passed", "passed"] for t in "ABCDE"})
        cand = run("cand", {t: ["passed", "failed"] for t in "ABCDE"})
        result = compare(base, cand)
        assert result.diff_high == pytest.approx(-0.5 + 1.5 * 0.434482, abs=1e-5)
        assert not regression(result, max_drop=0.1, alpha=0.05)

    def test_bad_options_raise(self) -> None:
        result = compare_runs(binary_pair(1, 1, 1, 1), "base", "cand")
        with pytest.raises(ScoringInputError, match="option 'max_drop'"):
            regression(result, max_drop=-0.1)
        with pytest.raises(ScoringInputError, match="option 'alpha'"):
            regression(result, max_drop=0.1, alpha=1.5)
