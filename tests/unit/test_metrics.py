"""pass@1, pass@k, pass^k, partial credit, group tables and cost against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from horizonbench.scoring import (
    ScoringInputError,
    by_difficulty,
    by_horizon_bucket,
    by_tag,
    cost_summary,
    cost_table,
    partial_credit,
    pass_at_1,
    pass_at_k,
    pass_at_k_task,
    pass_hat_k,
    pass_hat_k_task,
    summarize,
    survival_curve,
)
from horizonbench.scoring._stats import t_value

Z95 = 1.959963984540054


def trials(outcomes: dict[str, list[str]], families: dict[str, str] | None = None, **columns: object) -> pd.DataFrame:
    """A results frame: one row per outcome, tasks named by the keys of ``outcomes``."""
    rows = []
    for task, statuses in outcomes.items():
        for attempt, status in enumerate(statuses):
            family = (families or {}).get(task, task)
            rows.append({"task": task, "family": family, "attempt": attempt, "status": status, **columns})
    return pd.DataFrame(rows)


class TestPassAt1:
    def test_wilson_interval_for_7_of_10(self) -> None:
        # One attempt per task, no shared families: Wilson. For 7/10 at 95% the published
        # interval is [0.3968, 0.8922]: centre (0.7 + z²/20) / (1 + z²/10) = 0.64449,
        # half-width z * sqrt(0.21/10 + z²/400) / (1 + z²/10) = 0.24772.
        df = trials({f"t{i}": ["passed" if i < 7 else "failed"] for i in range(10)})
        rate = pass_at_1(df)
        assert rate.method == "wilson"
        assert rate.estimate == pytest.approx(0.7)
        assert rate.low == pytest.approx(0.396778, abs=1e-6)
        assert rate.high == pytest.approx(0.892209, abs=1e-6)
        assert rate.se == pytest.approx(math.sqrt(0.7 * 0.3 / 10))
        assert (rate.n_tasks, rate.n_trials, rate.n_errors) == (10, 10, 0)

    def test_errors_are_excluded_and_counted(self) -> None:
        # t0 passed once and errored twice: its rate is 1/1, not 1/3. t9 only errored: no task.
        outcomes = {f"t{i}": ["passed" if i < 7 else "failed"] for i in range(9)}
        outcomes["t0"] = ["passed", "error", "error"]
        outcomes["t9"] = ["error"]
        rate = pass_at_1(trials(outcomes))
        assert rate.estimate == pytest.approx(7 / 9)
        assert (rate.n_tasks, rate.n_trials, rate.n_errors) == (9, 9, 3)

    def test_cluster_robust_interval_by_family(self) -> None:
        # Rates A=1, B=0.5 (family F1), C=0.5, D=0 (family F2). Mean 0.5; residual sums per
        # family +0.5 and -0.5; two equal families, so CR2 = CR1 = 2 * 0.5 / 4² = 0.0625 and
        # df = G - 1 = 1. The normal interval (the old default) is 0.5 ± 1.96 * 0.25.
        df = trials(
            {"A": ["passed", "passed"], "B": ["passed", "failed"], "C": ["failed", "passed"], "D": ["failed"] * 2},
            families={"A": "F1", "B": "F1", "C": "F2", "D": "F2"},
        )
        normal = pass_at_1(df, interval="cluster-normal")
        assert normal.method == "cluster-normal"
        assert normal.estimate == pytest.approx(0.5)
        assert normal.se == pytest.approx(0.25)
        assert normal.low == pytest.approx(0.5 - Z95 * 0.25)
        assert normal.high == pytest.approx(0.5 + Z95 * 0.25)
        assert normal.n_clusters == 2
        # The default: t with 1 df (12.706) makes the interval all of [0, 1], as it should be
        # with two families.
        rate = pass_at_1(df)
        assert (rate.method, rate.df, rate.se) == ("cluster-t", pytest.approx(1.0), pytest.approx(0.25))
        assert (rate.low, rate.high) == (0.0, 1.0)
        assert rate.method_label == "cluster-t (1 df)"

    def test_cluster_t_interval_with_unequal_families(self) -> None:
        # Four families of 2, 2, 3 and 1 tasks; CR2 and its degrees of freedom from their definitions.
        rates = {"A": 1.0, "B": 1.0, "C": 0.0, "D": 0.5, "E": 1.0, "F": 0.5, "G": 0.0, "H": 1.0}
        fam = {"A": "F1", "B": "F1", "C": "F2", "D": "F2", "E": "F3", "F": "F3", "G": "F3", "H": "F4"}
        outcomes = {
            t: {1.0: ["passed"] * 2, 0.5: ["passed", "failed"], 0.0: ["failed"] * 2}[r] for t, r in rates.items()
        }
        rate = pass_at_1(trials(outcomes, families=fam))
        values = np.array(list(rates.values()))
        resid = values - values.mean()
        sizes = {"F1": 2, "F2": 2, "F3": 3, "F4": 1}
        sums = {f: sum(r for r, t in zip(resid, rates, strict=True) if fam[t] == f) for f in sizes}
        share = np.array([sizes[f] / 8 for f in sizes])
        se = math.sqrt(sum(sums[f] ** 2 / (1 - sizes[f] / 8) for f in sizes) / 64)
        u = share / np.sqrt(1 - share)
        m = np.diag(share / (1 - share)) - np.outer(u, u)
        dof = np.trace(m) ** 2 / np.sum(m * m)
        assert rate.se == pytest.approx(se)
        assert rate.df == pytest.approx(dof)
        assert 2.0 < rate.df < 3.0  # fewer than G - 1 = 3: family sizes differ
        half = t_value(0.95, rate.df) * se
        assert rate.low == pytest.approx(values.mean() - half)
        assert rate.high == 1.0  # clipped

    def test_cluster_interval_is_clipped_to_unit_range(self) -> None:
        # Rates 1, 1 (F1), 0, 0.5 (F2), 0 (F3): mean 0.5, family sums 1.0, -0.5, -0.5;
        # CR1 var = 3/2 * 1.5 / 25 = 0.09, se = 0.3; 0.5 ± 0.588 leaves [0, 1] on both sides.
        df = trials(
            {"A": ["passed"] * 2, "B": ["passed"] * 2, "C": ["failed"] * 2, "D": ["passed", "failed"], "E": ["failed"]},
            families={"A": "F1", "B": "F1", "C": "F2", "D": "F2", "E": "F3"},
        )
        rate = pass_at_1(df, interval="cluster-normal")
        assert rate.se == pytest.approx(0.3)
        assert (rate.low, rate.high) == (0.0, 1.0)
        # CR2 divides each family's squared sum by 1 - its share of tasks.
        t = pass_at_1(df)
        assert t.se == pytest.approx(math.sqrt((1.0 / 0.6 + 0.25 / 0.6 + 0.25 / 0.8) / 25))
        assert (t.low, t.high) == (0.0, 1.0)

    def test_repeated_attempts_without_families_use_task_clusters(self) -> None:
        # Each task its own cluster: the variance is the sample variance over n and the t
        # quantile has n - 1 df, the textbook t interval. Rates 1, 0.5, 0: sample variance 0.25.
        df = trials({"A": ["passed"] * 2, "B": ["passed", "failed"], "C": ["failed"] * 2})
        rate = pass_at_1(df)
        assert rate.method == "cluster-t"
        assert rate.se == pytest.approx(math.sqrt(0.25 / 3))
        assert rate.df == pytest.approx(2.0)

    def test_unknown_interval_method_is_named(self) -> None:
        with pytest.raises(ScoringInputError, match="option 'interval'"):
            pass_at_1(trials({"A": ["passed"]}), interval="bootstrap")

    def test_no_spread_between_clusters_falls_back_to_wilson_over_clusters(self) -> None:
        # Five tasks, all attempts passed: the cluster SE is 0. Instead of a zero-width
        # interval, Wilson for 5/5: lower bound 5 / (5 + z²) = 0.565518.
        df = trials({f"t{i}": ["passed"] * 2 for i in range(5)})
        rate = pass_at_1(df)
        assert rate.method == "wilson-over-clusters"
        assert rate.low == pytest.approx(5 / (5 + Z95**2))
        assert rate.high == pytest.approx(1.0)

    def test_single_family_gives_no_interval(self) -> None:
        df = trials({"A": ["passed", "failed"], "B": ["passed"] * 2}, families={"A": "F", "B": "F"})
        rate = pass_at_1(df)
        assert rate.method == "none"
        assert (rate.low, rate.high) == (0.0, 1.0)
        assert rate.estimate == pytest.approx(0.75)

    def test_only_errors_gives_nan_estimate(self) -> None:
        rate = pass_at_1(trials({"A": ["error", "error"]}))
        assert math.isnan(rate.estimate)
        assert (rate.n_tasks, rate.n_errors) == (0, 2)

    def test_same_task_name_in_two_suites_is_two_tasks(self) -> None:
        df = pd.DataFrame(
            {"task": ["hello", "hello"], "suite": ["smoke", "swe"], "status": ["passed", "failed"], "family": ""}
        )
        rate = pass_at_1(df)
        assert rate.n_tasks == 2
        assert rate.method == "wilson"

    def test_unknown_status_is_named(self) -> None:
        df = trials({"A": ["passed", "timeout"]})
        with pytest.raises(ScoringInputError, match="column 'status': unexpected value 'timeout'"):
            pass_at_1(df)

    def test_missing_column_is_named(self) -> None:
        with pytest.raises(ScoringInputError, match="missing column\\(s\\) 'status'"):
            pass_at_1(pd.DataFrame({"task": ["A"]}))


class TestPassAtK:
    def test_single_task_values(self) -> None:
        # 1 - C(3,2)/C(5,2) = 1 - 3/10; C(2,2)/C(5,2) = 1/10.
        assert pass_at_k_task(5, 2, 2) == pytest.approx(0.7)
        assert pass_hat_k_task(5, 2, 2) == pytest.approx(0.1)
        # Fewer failures than k: some success is certain. C(4,2)/C(5,2) = 6/10.
        assert pass_at_k_task(5, 4, 2) == 1.0
        assert pass_hat_k_task(5, 4, 2) == pytest.approx(0.6)
        # k = 1 is the plain success rate.
        assert pass_at_k_task(10, 3, 1) == pytest.approx(0.3)
        assert pass_hat_k_task(10, 3, 1) == pytest.approx(0.3)

    def test_stable_for_large_n(self) -> None:
        # C(199,100) / C(200,100) = 100/200, so pass@100 with n=200, c=1 is exactly 0.5.
        assert pass_at_k_task(200, 1, 100) == pytest.approx(0.5, abs=1e-12)

    def test_averaged_over_tasks_with_enough_attempts(self) -> None:
        # A: 2 of 5 (errors do not count as attempts); B: 4 of 5; C: 1 attempt, excluded for k=2.
        df = trials(
            {
                "A": ["passed", "passed", "failed", "failed", "failed", "error"],
                "B": ["passed"] * 4 + ["failed"],
                "C": ["passed"],
            }
        )
        at = pass_at_k(df, 2)
        hat = pass_hat_k(df, 2)
        assert at.estimate == pytest.approx((0.7 + 1.0) / 2)
        assert hat.estimate == pytest.approx((0.1 + 0.6) / 2)
        assert at.excluded == ("C",) and hat.excluded == ("C",)
        assert at.n_tasks == 2
        assert at.per_task.to_dict() == pytest.approx({"A": 0.7, "B": 1.0})

    def test_k_one_matches_pass_at_1(self) -> None:
        df = trials({"A": ["passed", "failed", "failed"], "B": ["passed", "passed", "failed"]})
        assert pass_at_k(df, 1).estimate == pytest.approx(pass_at_1(df).estimate)

    def test_bad_k_raises(self) -> None:
        with pytest.raises(ScoringInputError, match="option 'k'"):
            pass_at_k(trials({"A": ["passed"]}), 0)
        with pytest.raises(ScoringInputError, match="option 'k'"):
            pass_at_k_task(3, 1, 4)


class TestMilestones:
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "task": ["A", "A", "A", "B", "C"],
                "status": ["failed", "failed", "error", "passed", "failed"],
                "milestones_passed": [1, 3, 0, 2, 0],
                "milestones_total": [4, 4, 4, 2, 0],
                "furthest_milestone": [0, 2, -1, 1, -1],
            }
        )

    def test_partial_credit(self) -> None:
        # 1/4, 3/4 and 2/2; the error trial and task C (no milestones) are left out.
        credit = partial_credit(self.frame())
        assert credit.estimate == pytest.approx((0.25 + 0.75 + 1.0) / 3)
        assert (credit.n_trials, credit.n_tasks) == (3, 2)
        # Its interval clusters the trials by family (here each task its own): two clusters of
        # 2 and 1 trials give 1 degree of freedom, and t(1) = 12.7 spans all of [0, 1].
        assert (credit.method, credit.df) == ("cluster-t", pytest.approx(1.0))
        assert (credit.low, credit.high) == (0.0, 1.0)
        # With more tasks the interval is informative and contains the estimate.
        many = pd.concat([self.frame().assign(task=self.frame()["task"] + str(i)) for i in range(10)])
        wide = partial_credit(many)
        assert wide.low < wide.estimate < wide.high and wide.high - wide.low < 0.3

    def test_survival_curve(self) -> None:
        # Furthest milestones 0, 2 (task A, 4 milestones) and 1 (task B, 2 milestones).
        curve = survival_curve(self.frame())
        assert curve["milestone"].tolist() == [0, 1, 2, 3]
        assert curve["reached"].tolist() == [3, 2, 1, 0]
        assert curve["share"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0])
        assert curve["eligible"].tolist() == [3, 3, 2, 2]
        assert curve["share_of_eligible"].tolist() == pytest.approx([1.0, 2 / 3, 0.5, 0.0])

    def test_no_milestones(self) -> None:
        df = self.frame().assign(milestones_total=0)
        assert math.isnan(partial_credit(df).estimate)
        assert survival_curve(df).empty


class TestTables:
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "task": ["A", "A", "B", "C", "A", "B"],
                "agent": ["x", "x", "x", "x", "y", "y"],
                "status": ["passed", "error", "failed", "passed", "failed", "failed"],
                "difficulty": ["easy", "easy", "hard", None, "easy", "hard"],
                "expert_minutes": [3.99, 3.99, 15.0, np.nan, 3.99, 15.0],
                "tags": [["git", "py"], ["git", "py"], [], None, ["git", "py"], []],
                "cost_usd": [0.10, 0.50, 0.30, 0.20, 0.40, 0.20],
                "input_tokens": [100, 0, 300, 200, 400, 200],
                "output_tokens": [10, 0, 30, 20, 40, 20],
            }
        )

    def test_summarize_by_agent(self) -> None:
        table = summarize(self.frame(), ["agent"]).set_index("agent")
        x, y = table.loc["x"], table.loc["y"]
        assert (x["n_tasks"], x["n_trials"], x["passed"], x["failed"], x["errors"]) == (3, 4, 2, 1, 1)
        assert x["pass_at_1"] == pytest.approx(2 / 3)
        assert x["ci_method"] == "wilson"
        # Mean cost over the three non-error trials of x: (0.1 + 0.3 + 0.2) / 3.
        assert x["mean_cost_usd"] == pytest.approx(0.2)
        assert x["mean_input_tokens"] == pytest.approx(200)
        assert (y["passed"], y["failed"], y["pass_at_1"]) == (0, 2, 0.0)

    def test_summarize_overall(self) -> None:
        table = summarize(self.frame())
        assert len(table) == 1
        assert table.loc[0, "n_trials"] == 6 and table.loc[0, "errors"] == 1

    def test_by_difficulty_names_unknown(self) -> None:
        table = by_difficulty(self.frame()).set_index("difficulty")
        assert sorted(table.index) == ["easy", "hard", "unknown"]
        assert table.loc["easy", "pass_at_1"] == pytest.approx(0.5)

    def test_by_horizon_bucket_bounds_and_order(self) -> None:
        table = by_horizon_bucket(self.frame())
        # 3.99 is under 4; 15 opens the 15-60 bucket; NaN is unknown and sorts last.
        assert table["horizon_bucket"].tolist() == ["<4 min", "15-60 min", "unknown"]
        assert table["n_trials"].tolist() == [3, 2, 1]

    def test_by_tag_counts_a_trial_under_each_tag(self) -> None:
        table = by_tag(self.frame()).set_index("tag")
        assert table.loc["git", "n_trials"] == 3 and table.loc["py", "n_trials"] == 3
        assert table.loc["(untagged)", "n_trials"] == 3
        assert table.loc["git", "pass_at_1"] == pytest.approx(0.5)

    def test_missing_group_column_is_named(self) -> None:
        with pytest.raises(ScoringInputError, match="'model'"):
            summarize(self.frame(), ["model"])


class TestCost:
    def test_costs_per_trial_and_per_solved(self) -> None:
        df = trials(
            {f"t{i}": ["passed" if i < 7 else "failed"] for i in range(10)} | {"t10": ["error"]},
            cost_usd=0.1,
            input_tokens=1000,
            cached_input_tokens=400,
            output_tokens=100,
        )
        c = cost_summary(df)
        assert (c.n_trials, c.n_passed, c.n_errors) == (10, 7, 1)
        assert c.total_cost_usd == pytest.approx(1.0)
        assert c.error_cost_usd == pytest.approx(0.1)
        assert c.cost_per_trial == pytest.approx(0.1)
        assert c.cost_per_solved == pytest.approx(1.0 / 7)
        assert c.tokens_per_trial == pytest.approx(1100)
        assert c.cached_input_tokens_per_trial == pytest.approx(400)
        assert c.tokens_per_solved == pytest.approx(11000 / 7)
        # pass@1 0.7 at $0.10 a trial: 7 per dollar.
        assert c.pass_rate_per_dollar == pytest.approx(7.0)

    def test_nothing_solved_or_free(self) -> None:
        c = cost_summary(trials({"A": ["failed"], "B": ["failed"]}, cost_usd=0.0))
        assert c.cost_per_solved is None
        assert c.tokens_per_solved is None
        assert c.pass_rate_per_dollar is None
        assert math.isnan(c.input_tokens_per_trial)

    def test_cost_table_by_agent(self) -> None:
        df = pd.concat(
            [
                trials({"A": ["passed"], "B": ["passed"]}, agent="x", cost_usd=1.0),
                trials({"A": ["passed"], "B": ["failed"]}, agent="y", cost_usd=3.0),
            ]
        )
        table = cost_table(df, ["agent"]).set_index("agent")
        assert table.loc["x", "cost_per_solved"] == pytest.approx(1.0)
        assert table.loc["y", "cost_per_solved"] == pytest.approx(6.0)

    def test_missing_cost_column(self) -> None:
        with pytest.raises(ScoringInputError, match="'cost_usd'"):
            cost_summary(trials({"A": ["passed"]}))
