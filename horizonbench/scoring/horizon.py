"""METR-style time horizon: the task length at which an agent succeeds half (or 80%) of the time.

Success of each non-error trial (status ``passed``, or ``reward >= threshold``) is regressed
on ``x = log2(length)``, length being the expert's minutes or the expected agent steps:
``P(success) = sigmoid(a + b * x)``. The p-horizon is the length where the curve crosses p,
``2 ** ((logit(p) - a) / b)``. The fit is in :mod:`horizonbench.scoring.horizon_fit`, the
bootstrap in :mod:`horizonbench.scoring.horizon_bootstrap`.

How a horizon is estimated is a :class:`HorizonMethod`: the weighting, the penalty on the
slope and the interval. Two presets:

- ``default``: each task weighs 1 in total (``equal``), a light penalty ``l2 = 0.1`` with
  weights summing to the number of tasks, and a bootstrap over task families
  (``family-bootstrap``, basic interval on the log scale with a small-sample correction),
  whose 95% interval covers known horizons in 91-96% of simulated runs
  (``tests/unit/test_coverage.py``);
- ``metr``: METR's method (Kwa et al., 2025, "Measuring AI Ability to Complete Long
  Tasks"), so that a horizon here can be set beside theirs: weights the inverse square
  root of the task's family size (``invsqrt_family``), their regularisation ``reg = 0.1``
  on their scale (weights summing to 1, scikit-learn's ``C = 1 / reg``; here
  ``l2 = 0.1 * tasks``), and their hierarchical bootstrap over families, tasks and
  attempts, which is conservative (wider than 95%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from horizonbench.scoring._frame import MINUTE_BUCKETS, STEP_BUCKETS, ScoringInputError, bucket_labels
from horizonbench.scoring._stats import check_confidence, check_replicates
from horizonbench.scoring.horizon_bootstrap import INTERVAL_METHODS, IntervalMethod, bootstrap_fits, horizon_interval
from horizonbench.scoring.horizon_fit import (
    LENGTH_COLUMNS,
    WEIGHTINGS,
    Length,
    Weighting,
    check_p,
    fit_logistic,
    horizons,
    sigmoid,
    task_weights,
    trials,
)

__all__ = [
    "HORIZON_METHODS",
    "INTERVAL_METHODS",
    "LENGTH_COLUMNS",
    "HorizonFit",
    "HorizonMethod",
    "IntervalMethod",
    "Length",
    "Weighting",
    "fit_horizon",
    "horizon_method",
    "success_by_length",
    "task_weights",
]


@dataclass(frozen=True)
class HorizonMethod:
    """How a horizon is estimated: weighting, penalty on the slope, interval."""

    name: str = "default"
    """The preset this is (``default``, ``metr``), or ``custom`` when an option was changed."""
    weights: Weighting = "equal"
    """``equal`` (each task weighs 1) or ``invsqrt_family`` (a family of m tasks weighs sqrt(m))."""
    l2: float = 0.1
    """Penalty ``l2 / 2 * b**2`` on the slope, with weights summing to the number of tasks."""
    reg: float | None = None
    """METR's regularisation (weights summing to 1, ``C = 1 / reg``); when set it replaces
    ``l2``, as ``l2 = reg * tasks``."""
    interval: IntervalMethod = "family-bootstrap"
    """``family-bootstrap`` or ``hierarchical-bootstrap`` (families, tasks, attempts)."""

    def penalty(self, n_tasks: int) -> float:
        """``l2`` for a fit on ``n_tasks`` tasks."""
        return self.reg * n_tasks if self.reg is not None else self.l2

    def describe(self) -> str:
        """One line naming the method and every parameter, for reports and verdicts."""
        penalty = f"reg={self.reg:g} (METR scale)" if self.reg is not None else f"l2={self.l2:g}"
        return f"{self.name}: weights={self.weights}, {penalty}, interval={self.interval}"


HORIZON_METHODS: dict[str, HorizonMethod] = {
    "default": HorizonMethod(),
    "metr": HorizonMethod("metr", "invsqrt_family", reg=0.1, interval="hierarchical-bootstrap"),
}
"""The presets ``--horizon-method`` and ``method`` in claims.toml can name."""


def horizon_method(
    method: str | HorizonMethod = "default",
    *,
    weights: str | None = None,
    l2: float | None = None,
    reg: float | None = None,
    interval: str | None = None,
) -> HorizonMethod:
    """A preset (by name) or ``method``, with the options given replacing its own.

    ``l2`` and ``reg`` are two scales of one penalty: giving one clears the other. The
    result is named ``custom`` when an option changed the preset.

    Raises:
        ScoringInputError: the preset, weighting or interval is unknown, both ``l2`` and
            ``reg`` are given, or a penalty is negative.
    """
    if isinstance(method, str):
        if method not in HORIZON_METHODS:
            raise ScoringInputError(
                f"option 'horizon method': must be one of {', '.join(HORIZON_METHODS)}, got {method!r}"
            )
        base = HORIZON_METHODS[method]
    else:
        base = method
    if weights is not None and weights not in WEIGHTINGS:
        raise ScoringInputError(f"option 'weights': must be 'equal' or 'invsqrt_family', got {weights!r}")
    if interval is not None and interval not in INTERVAL_METHODS:
        allowed = " or ".join(repr(m) for m in INTERVAL_METHODS)
        raise ScoringInputError(f"option 'horizon interval': must be {allowed}, got {interval!r}")
    if l2 is not None and reg is not None:
        raise ScoringInputError("options 'l2' and 'reg': give one of them (reg is l2 on METR's scale)")
    for name, value in (("l2", l2), ("reg", reg)):
        if value is not None and value < 0:
            raise ScoringInputError(f"option {name!r}: must be at least 0, got {value}")
    changes: dict[str, object] = {}
    if weights is not None:
        changes["weights"] = weights
    if interval is not None:
        changes["interval"] = interval
    if l2 is not None:
        changes.update(l2=l2, reg=None)
    if reg is not None:
        changes["reg"] = reg
    chosen = replace(base, **changes)  # type: ignore[arg-type]
    if chosen != base:
        chosen = replace(chosen, name="custom")
    return chosen


@dataclass(frozen=True)
class HorizonFit:
    """A fitted success-versus-length curve with its 50% and 80% horizons.

    Where the fitted curve falls with length, a horizon is where it crosses p. Otherwise
    (every trial passed or failed, or success does not fall with length) it is ``inf`` when
    success at the longest task is at least p and ``0.0`` when it is below p. Bootstrap
    replicates follow the same rule, so none is dropped; how many ended on either side is
    counted in ``n_above`` and ``n_below``.
    """

    intercept: float
    """``a`` in ``sigmoid(a + b * log2(length))``."""
    slope: float
    """``b``: change in log-odds of success per doubling of length."""
    h50: float
    h50_low: float
    h50_high: float
    h80: float
    h80_low: float
    h80_high: float
    length: Length
    weights: Weighting
    n_trials: int
    """Non-error trials with a known length that the curve was fitted on."""
    n_tasks: int
    n_families: int
    n_errors: int
    """Error trials left out."""
    n_unknown_length: int
    """Non-error trials left out because their task has no positive length."""
    n_bootstrap: int
    n_below: tuple[int, int]
    """Replicates whose curve never reaches 50% (80%) success: horizon 0 (all failed included)."""
    n_above: tuple[int, int]
    """Replicates whose curve never falls below 50% (80%): horizon inf (all passed included)."""
    confidence: float
    seed: int
    max_length: float
    """Longest task length in the fit."""
    min_length: float = 0.0
    """Shortest task length in the fit."""
    method: HorizonMethod = field(default_factory=HorizonMethod)
    """How the horizon was estimated."""
    l2: float = 0.1
    """The penalty the fit used (``method.penalty(n_tasks)``)."""
    replicate_intercepts: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    """``a`` of each bootstrap replicate (``inf``/``-inf`` for replicates that all passed or all failed)."""
    replicate_slopes: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    """``b`` of each bootstrap replicate."""

    @property
    def n_no_crossing(self) -> tuple[int, int]:
        """Replicates without a crossing of 50% (80%): ``n_below + n_above``."""
        return self.n_below[0] + self.n_above[0], self.n_below[1] + self.n_above[1]

    def success_probability(self, length: float) -> float:
        """Predicted chance of success on a task of ``length`` (minutes or steps)."""
        return float(sigmoid(np.array(self.intercept + self.slope * math.log2(length))))

    def success_band(self, lengths: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise percentile interval (at ``confidence``) of predicted success at each length.

        Taken over the bootstrap replicates; NaN everywhere when the fit has none.
        """
        x = np.log2(np.asarray(lengths, dtype=float))
        a, b = self.replicate_intercepts, self.replicate_slopes
        if a.size == 0:
            return np.full(x.shape, np.nan), np.full(x.shape, np.nan)
        finite = np.isfinite(a)
        curves = np.empty((a.size, x.size))
        curves[finite] = sigmoid(a[finite, None] + b[finite, None] * x[None, :])
        curves[~finite] = np.where(a[~finite] > 0, 1.0, 0.0)[:, None]
        tail = (1 - self.confidence) / 2
        return np.quantile(curves, tail, axis=0), np.quantile(curves, 1 - tail, axis=0)

    def horizon(self, p: float) -> float:
        """The length at which predicted success equals ``p``, under the rules above.

        Raises:
            ScoringInputError: ``p`` is not strictly between 0 and 1.
        """
        check_p(p)
        return float(horizons(np.array([self.intercept]), np.array([self.slope]), p, math.log2(self.max_length))[0])


def fit_horizon(
    df: pd.DataFrame,
    *,
    length: Length = "minutes",
    success_threshold: float | None = None,
    method: str | HorizonMethod = "default",
    weights: Weighting | None = None,
    l2: float | None = None,
    reg: float | None = None,
    interval: IntervalMethod | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> HorizonFit:
    """Fit the success-versus-length curve and bootstrap the 50% and 80% horizons.

    ``method`` is a preset name or a :class:`HorizonMethod`; ``weights``, ``l2``, ``reg``
    and ``interval`` replace its options (see :func:`horizon_method`).
    ``success_threshold`` counts a trial as a success when ``reward >= threshold`` instead
    of when its status is ``passed``. Results are reproducible for a given ``seed``.

    Raises:
        ScoringInputError: a needed column is missing, an option is out of range, or no
            non-error trial has a positive length.
    """
    if length not in LENGTH_COLUMNS:
        raise ScoringInputError(f"option 'length': must be 'minutes' or 'steps', got {length!r}")
    chosen = horizon_method(method, weights=weights, l2=l2, reg=reg, interval=interval)
    check_confidence(confidence)
    check_replicates(n_bootstrap)
    data, n_errors, n_unknown = trials(df, LENGTH_COLUMNS[length], success_threshold)
    base_w = task_weights(data, chosen.weights)
    order = np.lexsort((data["_task"].to_numpy(dtype=str), data["_family"].to_numpy(dtype=str)))
    data, base_w = data.iloc[order], base_w[order]
    x = np.log2(data["_length"].to_numpy(dtype=float))
    y = data["success"].to_numpy(dtype=float)
    x_max = float(x.max())

    n_tasks = int(data["_task"].nunique())
    penalty = chosen.penalty(n_tasks)
    a, b = fit_logistic(x, y, base_w[None, :], penalty, n_tasks)
    point = [float(horizons(a, b, p, x_max)[0]) for p in (0.5, 0.8)]

    start = (float(a[0]), float(b[0])) if math.isfinite(a[0]) else None
    rep_a, rep_b = bootstrap_fits(data, x, y, base_w, penalty, n_bootstrap, seed, start, chosen.interval)
    intervals, below, above = [], [], []
    n_families = int(data["_family"].nunique())
    for p, estimate in zip((0.5, 0.8), point, strict=True):
        h = horizons(rep_a, rep_b, p, x_max)
        below.append(int((h == 0.0).sum()))
        above.append(int(np.isinf(h).sum()))
        intervals.append(horizon_interval(h, estimate, confidence, chosen.interval, n_families))
    return HorizonFit(
        intercept=float(a[0]),
        slope=float(b[0]),
        h50=point[0],
        h50_low=intervals[0][0],
        h50_high=intervals[0][1],
        h80=point[1],
        h80_low=intervals[1][0],
        h80_high=intervals[1][1],
        length=length,
        weights=chosen.weights,
        n_trials=len(data),
        n_tasks=n_tasks,
        n_families=n_families,
        n_errors=n_errors,
        n_unknown_length=n_unknown,
        n_bootstrap=n_bootstrap,
        n_below=(below[0], below[1]),
        n_above=(above[0], above[1]),
        confidence=confidence,
        seed=seed,
        max_length=float(2.0**x_max),
        min_length=float(2.0 ** float(x.min())),
        method=chosen,
        l2=penalty,
        replicate_intercepts=rep_a,
        replicate_slopes=rep_b,
    )


def success_by_length(
    df: pd.DataFrame,
    *,
    length: Length = "minutes",
    success_threshold: float | None = None,
    fit: HorizonFit | None = None,
) -> pd.DataFrame:
    """Observed success per length bucket, beside the fitted curve when ``fit`` is given.

    Columns: ``bucket``, ``n_tasks``, ``n_trials`` (non-error), ``success_rate`` (mean over
    tasks of per-task success), ``predicted`` (mean fitted probability over the bucket's
    trials; NaN without ``fit``). Minute buckets are ``<4 min`` … ``>=240 min``; step
    buckets ``<10 steps`` … ``>=300 steps``. Buckets without trials are left out.

    Raises:
        ScoringInputError: a needed column is missing, or no non-error trial has a positive length.
    """
    if length not in LENGTH_COLUMNS:
        raise ScoringInputError(f"option 'length': must be 'minutes' or 'steps', got {length!r}")
    data, _, _ = trials(df, LENGTH_COLUMNS[length], success_threshold)
    buckets = MINUTE_BUCKETS if length == "minutes" else STEP_BUCKETS
    data = data.assign(bucket=bucket_labels(data["_length"], buckets))
    if fit is not None:
        eta = fit.intercept + fit.slope * np.log2(data["_length"].to_numpy(dtype=float))
        data = data.assign(predicted=sigmoid(eta))
    rows = []
    for _, _, label in buckets:
        part = data.loc[data["bucket"] == label]
        if part.empty:
            continue
        rows.append(
            {
                "bucket": label,
                "n_tasks": int(part["_task"].nunique()),
                "n_trials": len(part),
                "success_rate": float(part.groupby("_task")["success"].mean().mean()),
                "predicted": float(part["predicted"].mean()) if fit is not None else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["bucket", "n_tasks", "n_trials", "success_rate", "predicted"])
