"""Success metrics over a results frame: pass@1 with an interval, pass@k, pass^k, partial credit.

Every rate is a mean over tasks of a per-task quantity computed from that task's non-error
attempts. Trials with status ``error`` are infrastructure problems: they are left out of
every rate and counted on their own (``n_errors``). A task whose every trial was an error
contributes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from horizonbench.scoring._frame import ScoringInputError, per_task, require, scored
from horizonbench.scoring._stats import check_confidence, cluster_se, cluster_t, t_value, wilson, z_value

WILSON = "wilson"
"""Interval method: Wilson score interval over tasks (one attempt per task, no shared families)."""
CLUSTER_T = "cluster-t"
"""Interval method (the default wherever tasks repeat or share families): ``estimate ± t * se``
with the bias-reduced (CR2) cluster-robust standard error and a t quantile at the
Bell-McCaffrey degrees of freedom (``G - 1`` for G equal families); see
:func:`horizonbench.scoring._stats.cluster_t`. Covers 94-96% at nominal 95% with 5 to 20
families in simulation (``tests/unit/test_coverage.py``)."""
CLUSTER = "cluster-normal"
"""Interval method on request only: the normal quantile with the CR1 cluster-robust standard
error. A large-sample approximation; with 5-8 families it covers 85-90% at nominal 95%."""
INTERVAL_METHODS = (CLUSTER_T, CLUSTER)
"""Interval methods a caller may ask for; Wilson and the fallbacks below are chosen by the data."""
CLUSTER_WILSON = "wilson-over-clusters"
"""Interval method used when every cluster has the same mean, so the cluster-robust standard
error is zero: a Wilson interval with the number of clusters as the sample size, rather than a
zero-width interval that would claim certainty from a handful of tasks."""
NO_INTERVAL = "none"
"""Interval method when no interval can be estimated (no tasks, or a single cluster): [0, 1]."""


@dataclass(frozen=True)
class PassRate:
    """pass@1 with its standard error and confidence interval."""

    estimate: float
    """Mean over tasks of the per-task success rate; NaN when no task has a non-error trial."""
    low: float
    high: float
    se: float
    n_tasks: int
    """Tasks with at least one non-error trial."""
    n_trials: int
    """Non-error trials."""
    n_errors: int
    """Trials with status ``error``, excluded from the rate."""
    method: str
    """How the interval was computed: ``wilson``, ``cluster-t``, ``cluster-normal``,
    ``wilson-over-clusters`` or ``none``."""
    n_clusters: int = 0
    """Families the tasks fall into."""
    df: float = math.nan
    """Degrees of freedom of the t quantile (``cluster-t`` only)."""

    @property
    def method_label(self) -> str:
        """``method`` with its degrees of freedom where it has them, for reports."""
        return _label(self.method, self.df)


@dataclass(frozen=True)
class KMetric:
    """pass@k or pass^k: a per-task value averaged over tasks with at least k non-error attempts."""

    metric: str
    """``pass@k`` (at least one of k attempts succeeds) or ``pass^k`` (all k succeed)."""
    k: int
    estimate: float
    """Mean of ``per_task``; NaN when no task has k attempts."""
    low: float
    high: float
    se: float
    """Cluster-robust standard error over families."""
    method: str
    """How the interval was computed, as for :class:`PassRate` (never ``wilson``)."""
    per_task: pd.Series
    """Per-task value, indexed by task key."""
    n_tasks: int
    excluded: tuple[str, ...]
    """Tasks left out because they have fewer than k non-error attempts."""
    df: float = math.nan
    """Degrees of freedom of the t quantile (``cluster-t`` only)."""

    @property
    def method_label(self) -> str:
        """``method`` with its degrees of freedom where it has them, for reports."""
        return _label(self.method, self.df)


@dataclass(frozen=True)
class PartialCredit:
    """Mean share of milestones passed, over non-error trials of tasks that have milestones."""

    estimate: float
    """NaN when no task has milestones."""
    n_trials: int
    n_tasks: int
    low: float = 0.0
    """Interval of the estimate, clustered by family (``method``)."""
    high: float = 1.0
    method: str = NO_INTERVAL
    df: float = math.nan

    @property
    def method_label(self) -> str:
        """``method`` with its degrees of freedom where it has them, for reports."""
        return _label(self.method, self.df)


def pass_at_1(df: pd.DataFrame, confidence: float = 0.95, interval: str = CLUSTER_T) -> PassRate:
    """pass@1: the mean over tasks of each task's success rate, with an interval.

    The interval is the Wilson score interval when every task has exactly one non-error
    attempt and no two tasks share a family. Otherwise attempts of a task, and tasks of a
    family, are correlated, and the interval is :data:`CLUSTER_T` (cluster = family):
    ``estimate ± t * se`` clipped to [0, 1], with the bias-reduced cluster-robust standard
    error and a t quantile at the Bell-McCaffrey degrees of freedom (``G - 1`` for G equal
    families), because suites have few families and the normal quantile covers far less
    than nominal with few clusters. ``interval="cluster-normal"`` asks for the old normal
    approximation instead. Two cases get a different interval, named in ``method``: when
    every family has the same mean rate the standard error is 0, and a Wilson interval with
    the number of families as the sample size is used instead; with a single family no
    interval can be estimated and it is [0, 1].

    Raises:
        ScoringInputError: ``task`` or ``status`` is missing, a status is unknown,
            ``confidence`` is outside (0, 1) or ``interval`` is unknown.
    """
    require(df, [], "pass@1")
    check_confidence(confidence)
    check_interval(interval)
    n_errors = int((df["status"] == "error").sum())
    tasks = per_task(df)
    n_tasks = len(tasks)
    n_trials = int(tasks["n"].sum())
    if n_tasks == 0:
        return PassRate(math.nan, 0.0, 1.0, math.nan, 0, 0, n_errors, NO_INTERVAL, 0)
    rates = tasks["rate"].to_numpy(dtype=float)
    families = tasks["family"].to_numpy(dtype=str)
    estimate = float(rates.mean())
    one_attempt = bool((tasks["n"] == 1).all())
    shared_family = len(np.unique(families)) < n_tasks
    if one_attempt and not shared_family:
        low, high = wilson(float(tasks["c"].sum()), n_tasks, confidence)
        se = math.sqrt(estimate * (1 - estimate) / n_tasks)
        return PassRate(estimate, low, high, se, n_tasks, n_trials, n_errors, WILSON, n_tasks)
    ci = cluster_interval(rates, families, confidence, interval)
    return PassRate(estimate, ci.low, ci.high, ci.se, n_tasks, n_trials, n_errors, ci.method, ci.n_clusters, ci.df)


def pass_at_k_task(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one task with ``n`` attempts of which ``c`` passed (Chen et al., 2021).

    ``1 - C(n - c, k) / C(n, k)``, computed as ``1 - prod(1 - k / arange(n - c + 1, n + 1))``,
    which stays accurate for large ``n``.

    Raises:
        ScoringInputError: ``k`` is below 1 or above ``n``, or ``c`` is outside [0, n].
    """
    _check_k(n, c, k)
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def pass_hat_k_task(n: int, c: int, k: int) -> float:
    """pass^k for one task: the chance that k attempts drawn without replacement all passed, ``C(c, k) / C(n, k)``.

    Raises:
        ScoringInputError: ``k`` is below 1 or above ``n``, or ``c`` is outside [0, n].
    """
    _check_k(n, c, k)
    return math.comb(c, k) / math.comb(n, k)


def pass_at_k(df: pd.DataFrame, k: int, confidence: float = 0.95, interval: str = CLUSTER_T) -> KMetric:
    """Unbiased pass@k averaged over tasks with at least ``k`` non-error attempts, interval as for pass@1.

    Raises:
        ScoringInputError: ``k`` is below 1, a needed column is missing, ``confidence`` is
            outside (0, 1) or ``interval`` is unknown.
    """
    return _k_metric(df, k, confidence, "pass@k", interval)


def pass_hat_k(df: pd.DataFrame, k: int, confidence: float = 0.95, interval: str = CLUSTER_T) -> KMetric:
    """pass^k (all of k attempts succeed) averaged over tasks with at least ``k`` non-error attempts.

    Raises:
        ScoringInputError: ``k`` is below 1, a needed column is missing, ``confidence`` is
            outside (0, 1) or ``interval`` is unknown.
    """
    return _k_metric(df, k, confidence, "pass^k", interval)


def partial_credit(df: pd.DataFrame, confidence: float = 0.95, interval: str = CLUSTER_T) -> PartialCredit:
    """The mean of ``milestones_passed / milestones_total`` over non-error trials of tasks with milestones.

    The interval treats the trials of a family as one cluster (``cluster-t`` as for pass@1).

    Raises:
        ScoringInputError: ``milestones_passed`` or ``milestones_total`` is missing, or an
            option is out of range.
    """
    require(df, ["milestones_passed", "milestones_total"], "partial credit")
    check_confidence(confidence)
    check_interval(interval)
    s = scored(df)
    # Positional arrays, not index alignment: a frame concatenated from several may repeat index labels.
    total = pd.to_numeric(s["milestones_total"], errors="coerce").fillna(0).to_numpy(dtype=float)
    keep = total > 0
    s = s.loc[keep]
    if s.empty:
        return PartialCredit(math.nan, 0, 0)
    passed = pd.to_numeric(s["milestones_passed"], errors="coerce").fillna(0).to_numpy(dtype=float)
    share = np.clip(passed / total[keep], 0.0, 1.0)
    ci = cluster_interval(share, s["_family"].to_numpy(dtype=str), confidence, interval)
    return PartialCredit(float(share.mean()), len(s), int(s["_task"].nunique()), ci.low, ci.high, ci.method, ci.df)


def survival_curve(df: pd.DataFrame) -> pd.DataFrame:
    """How far attempts get: for each milestone k = 0..max, the share of attempts reaching it.

    Attempts are the non-error trials of tasks with milestones (``milestones_total > 0``
    when that column exists). Columns: ``milestone`` (k), ``attempts`` (all such attempts),
    ``reached`` (attempts with ``furthest_milestone >= k``), ``share`` (reached / attempts),
    ``eligible`` (attempts whose task has more than k milestones) and ``share_of_eligible``.
    The last milestone is the largest ``milestones_total - 1`` (or the largest
    ``furthest_milestone`` without that column). Empty when no attempt has milestones.

    Raises:
        ScoringInputError: ``furthest_milestone`` is missing.
    """
    require(df, ["furthest_milestone"], "the milestone survival curve")
    s = scored(df)
    furthest = pd.to_numeric(s["furthest_milestone"], errors="coerce").fillna(-1).to_numpy(dtype=int)
    if "milestones_total" in s.columns:
        total = pd.to_numeric(s["milestones_total"], errors="coerce").fillna(0).to_numpy(dtype=int)
        keep = total > 0
        furthest, total = furthest[keep], total[keep]
        last = int(total.max()) - 1 if total.size else -1
    else:
        last = int(furthest.max()) if furthest.size else -1
        total = np.full(furthest.size, last + 1)
    columns = ["milestone", "attempts", "reached", "share", "eligible", "share_of_eligible"]
    if furthest.size == 0 or last < 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    ks = np.arange(last + 1)
    reached = (furthest[None, :] >= ks[:, None]).sum(axis=1)
    eligible = (total[None, :] > ks[:, None]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_eligible = np.where(eligible > 0, reached / np.maximum(eligible, 1), np.nan)
    return pd.DataFrame(
        {
            "milestone": ks,
            "attempts": furthest.size,
            "reached": reached,
            "share": reached / furthest.size,
            "eligible": eligible,
            "share_of_eligible": share_eligible,
        }
    )


def _k_metric(df: pd.DataFrame, k: int, confidence: float, metric: str, interval: str) -> KMetric:
    require(df, [], metric)
    if k < 1:
        raise ScoringInputError(f"option 'k': must be at least 1, got {k}")
    check_confidence(confidence)
    check_interval(interval)
    tasks = per_task(df)
    enough = tasks.loc[tasks["n"] >= k]
    excluded = tuple(str(t) for t in tasks.index[tasks["n"] < k])
    one = pass_at_k_task if metric == "pass@k" else pass_hat_k_task
    values = pd.Series(
        [one(int(n), int(c), k) for n, c in zip(enough["n"], enough["c"], strict=True)],
        index=enough.index,
        dtype=float,
        name=metric,
    )
    if values.empty:
        return KMetric(metric, k, math.nan, 0.0, 1.0, math.nan, NO_INTERVAL, values, 0, excluded)
    estimate = float(values.mean())
    ci = cluster_interval(values.to_numpy(), enough["family"].to_numpy(dtype=str), confidence, interval)
    return KMetric(metric, k, estimate, ci.low, ci.high, ci.se, ci.method, values, len(values), excluded, ci.df)


@dataclass(frozen=True)
class MeanInterval:
    """An interval for the mean of per-task values in [0, 1], and how it was obtained."""

    low: float
    high: float
    se: float
    method: str
    n_clusters: int
    df: float = math.nan


def check_interval(interval: str) -> None:
    """Check the name of an interval method for a mean over tasks.

    Raises:
        ScoringInputError: ``interval`` is not one of :data:`INTERVAL_METHODS`.
    """
    if interval not in INTERVAL_METHODS:
        allowed = " or ".join(repr(m) for m in INTERVAL_METHODS)
        raise ScoringInputError(f"option 'interval': must be {allowed}, got {interval!r}")


def cluster_interval(
    values: np.ndarray,
    clusters: np.ndarray,
    confidence: float,
    interval: str = CLUSTER_T,
    bounds: tuple[float, float] = (0.0, 1.0),
) -> MeanInterval:
    """The interval for the mean of per-task values in ``bounds`` clustered by ``clusters``, clipped to them.

    ``cluster-t`` (default): CR2 standard error and the Bell-McCaffrey t quantile;
    ``cluster-normal``: CR1 standard error and the normal quantile. Fallbacks: one cluster
    gives ``bounds``; no spread between clusters gives Wilson over clusters for values in
    [0, 1] and ``bounds`` otherwise.
    """
    estimate = float(values.mean())
    if interval == CLUSTER:
        se, n_clusters = cluster_se(values, clusters)
        quantile, df = (z_value(confidence), math.nan) if n_clusters >= 2 else (math.nan, math.nan)
    else:
        t = cluster_t(values, clusters)
        se, n_clusters, df = t.se, t.n_clusters, t.df
        quantile = t_value(confidence, df) if n_clusters >= 2 and se > 0 else math.nan
    if n_clusters < 2 or (se == 0.0 and bounds != (0.0, 1.0)):
        return MeanInterval(bounds[0], bounds[1], se, NO_INTERVAL, n_clusters)
    if se == 0.0:
        low, high = wilson(estimate * n_clusters, n_clusters, confidence)
        return MeanInterval(low, high, se, CLUSTER_WILSON, n_clusters)
    low, high = max(bounds[0], estimate - quantile * se), min(bounds[1], estimate + quantile * se)
    return MeanInterval(low, high, se, interval, n_clusters, df)


def _label(method: str, df: float) -> str:
    return f"{method} ({df:.3g} df)" if method == CLUSTER_T and math.isfinite(df) else method


def _check_k(n: int, c: int, k: int) -> None:
    if k < 1 or k > n:
        raise ScoringInputError(f"option 'k': must be between 1 and the number of attempts ({n}), got {k}")
    if not 0 <= c <= n:
        raise ScoringInputError(f"passed attempts: must be between 0 and {n}, got {c}")
