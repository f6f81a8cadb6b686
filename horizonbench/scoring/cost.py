"""What results cost: dollars and tokens per trial, per solved task, and pass rate per dollar.

Costs are summed over non-error trials, matching the rates they are divided into; what the
error trials cost is reported apart (``error_cost_usd``), since an infrastructure failure
is not the agent's spending.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from horizonbench.scoring._frame import require, scored
from horizonbench.scoring._stats import check_confidence, log_ratio_interval
from horizonbench.scoring.metrics import pass_at_1

TOKEN_COLUMNS = ("input_tokens", "cached_input_tokens", "output_tokens")


@dataclass(frozen=True)
class CostSummary:
    """Dollars and tokens over the non-error trials of a results frame."""

    n_trials: int
    """Non-error trials."""
    n_passed: int
    """Trials that passed (the solved attempts costs are divided by)."""
    n_errors: int
    total_cost_usd: float
    error_cost_usd: float
    """What the error trials cost, kept out of every other figure."""
    cost_per_trial: float
    """NaN when there are no non-error trials."""
    input_tokens_per_trial: float
    """NaN when the column is missing; likewise for the other token figures."""
    cached_input_tokens_per_trial: float
    output_tokens_per_trial: float
    tokens_per_trial: float
    """Input plus output tokens (cached input tokens are part of the input)."""
    cost_per_solved: float | None
    """Total cost over passed trials; None when nothing passed."""
    tokens_per_solved: float | None
    """Input plus output tokens over passed trials; None when nothing passed."""
    pass_rate: float
    """pass@1 (mean over tasks of per-task success rates)."""
    pass_rate_per_dollar: float | None
    """pass@1 divided by the mean cost of a trial; None when trials cost nothing."""
    cost_per_solved_low: float = math.nan
    """Interval of ``cost_per_solved`` (``cost_per_solved_method``); NaN without one."""
    cost_per_solved_high: float = math.nan
    cost_per_solved_method: str = "none"
    """``cluster-t (k df)``: on the log of the ratio, by the delta method, clustered by
    family; ``none`` when nothing passed, nothing was spent or there is one family."""


def cost_summary(df: pd.DataFrame, confidence: float = 0.95) -> CostSummary:
    """Dollars and tokens per trial and per solved attempt, and pass rate per dollar.

    Cost per solved task gets an interval: total cost over passes is a ratio of two sums
    over tasks, so the interval is the cluster-t interval (cluster = family) of its log by
    the delta method (:func:`horizonbench.scoring._stats.log_ratio_interval`).

    Raises:
        ScoringInputError: ``task``, ``status`` or ``cost_usd`` is missing, a status is
            unknown or ``confidence`` is outside (0, 1).
    """
    check_confidence(confidence)
    require(df, ["cost_usd"], "cost figures")
    cost = pd.to_numeric(df["cost_usd"], errors="coerce").fillna(0.0)
    is_error = df["status"] == "error"
    ok = ~is_error
    n_trials = int(ok.sum())
    n_passed = int((df["status"] == "passed").sum())
    total = float(cost[ok].sum())
    tokens = {c: _token_sum(df, c, ok) for c in TOKEN_COLUMNS}
    io_tokens = tokens["input_tokens"] + tokens["output_tokens"]
    per_trial = total / n_trials if n_trials else math.nan
    rate = pass_at_1(df).estimate
    low, high, method = _per_solved_interval(df, confidence) if n_passed and total > 0 else (math.nan, math.nan, "none")
    return CostSummary(
        n_trials=n_trials,
        n_passed=n_passed,
        n_errors=int(is_error.sum()),
        total_cost_usd=total,
        error_cost_usd=float(cost[is_error].sum()),
        cost_per_trial=per_trial,
        input_tokens_per_trial=_per(tokens["input_tokens"], n_trials),
        cached_input_tokens_per_trial=_per(tokens["cached_input_tokens"], n_trials),
        output_tokens_per_trial=_per(tokens["output_tokens"], n_trials),
        tokens_per_trial=_per(io_tokens, n_trials),
        cost_per_solved=total / n_passed if n_passed else None,
        cost_per_solved_low=low,
        cost_per_solved_high=high,
        cost_per_solved_method=method,
        tokens_per_solved=io_tokens / n_passed if n_passed else None,
        pass_rate=rate,
        pass_rate_per_dollar=rate / per_trial if per_trial > 0 else None,
    )


def cost_table(df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """:func:`cost_summary` for each group of ``by`` columns, one row per group.

    Raises:
        ScoringInputError: a needed column (including one of ``by``) is missing.
    """
    require(df, ["cost_usd", *by], "cost figures")
    if not by:
        return pd.DataFrame([asdict(cost_summary(df))])
    rows = []
    for key, group in df.groupby(list(by), sort=True, dropna=False):
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, values, strict=True)), **asdict(cost_summary(group))})
    return pd.DataFrame(rows)


def _per_solved_interval(df: pd.DataFrame, confidence: float) -> tuple[float, float, str]:
    s = scored(df).assign(_cost=pd.to_numeric(df["cost_usd"], errors="coerce").fillna(0.0))
    g = s.groupby("_task")
    cost, passed = g["_cost"].sum().to_numpy(dtype=float), g["success"].sum().to_numpy(dtype=float)
    low, high, t = log_ratio_interval([cost], [passed], g["_family"].first().to_numpy(dtype=str), confidence)
    if t.n_clusters < 2:
        return math.nan, math.nan, "none"
    return low, high, f"cluster-t ({t.df:.3g} df)"


def _token_sum(df: pd.DataFrame, column: str, mask: pd.Series) -> float:
    if column not in df.columns:
        return math.nan
    return float(pd.to_numeric(df.loc[mask, column], errors="coerce").fillna(0).sum())


def _per(amount: float, n: int) -> float:
    return amount / n if n else math.nan
