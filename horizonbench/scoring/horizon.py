"""METR-style time horizon: the task length at which an agent succeeds half (or 80%) of the time.

Success of each non-error trial (status ``passed``, or ``reward >= threshold``) is regressed
on ``x = log2(length)``, length being the expert's minutes or the expected agent steps:
``P(success) = sigmoid(a + b * x)``. The p-horizon is the length where the curve crosses p,
``2 ** ((logit(p) - a) / b)``.

Weights keep a task with many attempts, or a family with many tasks, from dominating:
``equal`` gives each task a total weight of 1 split over its attempts; ``invsqrt_family``
further scales each family so its tasks weigh ``sqrt(family size)`` together. Weights are
rescaled to sum to the number of tasks, so the light L2 penalty on the slope means the same
under either scheme. The penalty keeps the fit finite when success separates perfectly by
length; the intercept is not penalised.

The interval is a percentile interval over a hierarchical bootstrap: families are resampled,
then tasks within each drawn family, then attempts within each drawn task. Each replicate
reduces to weighted pass and trial counts per distinct length, and all replicates are
fitted at once by a vectorised Newton method, so a thousand replicates of a 5,000-task run
take about a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from horizonbench.scoring._frame import MINUTE_BUCKETS, STEP_BUCKETS, ScoringInputError, bucket_labels, require, scored
from horizonbench.scoring._stats import check_confidence, check_replicates, percentile_interval

Length = Literal["minutes", "steps"]
Weighting = Literal["equal", "invsqrt_family"]

LENGTH_COLUMNS: dict[str, str] = {"minutes": "expert_minutes", "steps": "horizon_steps"}

_MAX_NEWTON = 100
_CHUNK_CELLS = 131_072
_TOL = 1e-9


@dataclass(frozen=True)
class HorizonFit:
    """A fitted success-versus-length curve with its 50% and 80% horizons.

    A horizon is ``inf`` when predicted success never falls below p (every trial passed, or
    the slope is not negative and success at the longest task is at least p), ``0.0`` when
    every trial failed, and ``None`` when success rises with length yet stays below p at the
    longest task, where no horizon is defined.
    """

    intercept: float
    """``a`` in ``sigmoid(a + b * log2(length))``."""
    slope: float
    """``b``: change in log-odds of success per doubling of length."""
    h50: float | None
    h50_low: float
    h50_high: float
    h80: float | None
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
    n_undefined: tuple[int, int]
    """Replicates with no defined 50% and 80% horizon; they are left out of the interval."""
    confidence: float
    seed: int
    max_length: float
    """Longest task length in the fit."""
    min_length: float = 0.0
    """Shortest task length in the fit."""
    replicate_intercepts: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    """``a`` of each bootstrap replicate (``inf``/``-inf`` for replicates that all passed or all failed)."""
    replicate_slopes: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    """``b`` of each bootstrap replicate."""

    def success_probability(self, length: float) -> float:
        """Predicted chance of success on a task of ``length`` (minutes or steps)."""
        return float(_sigmoid(np.array(self.intercept + self.slope * math.log2(length))))

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
        curves[finite] = _sigmoid(a[finite, None] + b[finite, None] * x[None, :])
        curves[~finite] = np.where(a[~finite] > 0, 1.0, 0.0)[:, None]
        tail = (1 - self.confidence) / 2
        return np.quantile(curves, tail, axis=0), np.quantile(curves, 1 - tail, axis=0)

    def horizon(self, p: float) -> float | None:
        """The length at which predicted success equals ``p``, under the rules above.

        Raises:
            ScoringInputError: ``p`` is not strictly between 0 and 1.
        """
        _check_p(p)
        if self.intercept == math.inf:
            return math.inf
        if self.intercept == -math.inf:
            return 0.0
        value = _horizons(np.array([self.intercept]), np.array([self.slope]), p, math.log2(self.max_length))[0]
        return None if math.isnan(value) else float(value)


def task_weights(df: pd.DataFrame, scheme: Weighting = "equal") -> np.ndarray:
    """Per-row weights for the rows of ``df`` (non-error trials), before rescaling.

    ``equal``: ``1 / attempts of the task``. ``invsqrt_family``: that, divided by
    ``sqrt(tasks in the family)``, so a family of m tasks weighs ``sqrt(m)`` in total.

    Raises:
        ScoringInputError: ``scheme`` is unknown or ``task`` is missing.
    """
    if scheme not in ("equal", "invsqrt_family"):
        raise ScoringInputError(f"option 'weights': must be 'equal' or 'invsqrt_family', got {scheme!r}")
    require(df, [], "task weights")
    s = scored(df)
    attempts = s.groupby("_task")["_task"].transform("size").to_numpy(dtype=float)
    w = 1.0 / attempts
    if scheme == "invsqrt_family":
        family_tasks = s.groupby("_family")["_task"].transform("nunique").to_numpy(dtype=float)
        w = w / np.sqrt(family_tasks)
    return w


def fit_horizon(
    df: pd.DataFrame,
    *,
    length: Length = "minutes",
    success_threshold: float | None = None,
    weights: Weighting = "equal",
    l2: float = 0.1,
    n_bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> HorizonFit:
    """Fit the success-versus-length curve and bootstrap the 50% and 80% horizons.

    ``success_threshold`` counts a trial as a success when ``reward >= threshold`` instead
    of when its status is ``passed``. ``l2`` is the penalty on the slope (weights sum to
    the number of tasks). Results are reproducible for a given ``seed``.

    Raises:
        ScoringInputError: a needed column is missing, an option is out of range, or no
            non-error trial has a positive length.
    """
    if length not in LENGTH_COLUMNS:
        raise ScoringInputError(f"option 'length': must be 'minutes' or 'steps', got {length!r}")
    if l2 < 0:
        raise ScoringInputError(f"option 'l2': must be at least 0, got {l2}")
    check_confidence(confidence)
    check_replicates(n_bootstrap)
    column = LENGTH_COLUMNS[length]
    data, n_errors, n_unknown = _trials(df, column, success_threshold)
    base_w = task_weights(data, weights)
    order = np.lexsort((data["_task"].to_numpy(dtype=str), data["_family"].to_numpy(dtype=str)))
    data, base_w = data.iloc[order], base_w[order]
    x = np.log2(data["_length"].to_numpy(dtype=float))
    y = data["success"].to_numpy(dtype=float)
    x_max = float(x.max())

    n_tasks = int(data["_task"].nunique())
    a, b = _fit(x, y, base_w[None, :], l2, n_tasks)
    point = [_horizons(a, b, p, x_max)[0] for p in (0.5, 0.8)]

    start = (float(a[0]), float(b[0])) if math.isfinite(a[0]) else None
    rep_a, rep_b = _bootstrap_fits(data, x, y, base_w, l2, n_bootstrap, seed, start)
    intervals, undefined = [], []
    for p in (0.5, 0.8):
        h = _horizons(rep_a, rep_b, p, x_max)
        undefined.append(int(np.isnan(h).sum()))
        intervals.append(percentile_interval(h, confidence))
    return HorizonFit(
        intercept=float(a[0]),
        slope=float(b[0]),
        h50=None if math.isnan(point[0]) else float(point[0]),
        h50_low=intervals[0][0],
        h50_high=intervals[0][1],
        h80=None if math.isnan(point[1]) else float(point[1]),
        h80_low=intervals[1][0],
        h80_high=intervals[1][1],
        length=length,
        weights=weights,
        n_trials=len(data),
        n_tasks=n_tasks,
        n_families=int(data["_family"].nunique()),
        n_errors=n_errors,
        n_unknown_length=n_unknown,
        n_bootstrap=n_bootstrap,
        n_undefined=(undefined[0], undefined[1]),
        confidence=confidence,
        seed=seed,
        max_length=float(2.0**x_max),
        min_length=float(2.0 ** float(x.min())),
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
    data, _, _ = _trials(df, LENGTH_COLUMNS[length], success_threshold)
    buckets = MINUTE_BUCKETS if length == "minutes" else STEP_BUCKETS
    data = data.assign(bucket=bucket_labels(data["_length"], buckets))
    if fit is not None:
        eta = fit.intercept + fit.slope * np.log2(data["_length"].to_numpy(dtype=float))
        data = data.assign(predicted=_sigmoid(eta))
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


def _trials(df: pd.DataFrame, column: str, threshold: float | None) -> tuple[pd.DataFrame, int, int]:
    """Non-error trials with a positive length, their success, and the counts left out."""
    require(df, [column] if threshold is None else [column, "reward"], "a time-horizon fit")
    n_errors = int((df["status"] == "error").sum())
    s = scored(df)
    s["_length"] = pd.to_numeric(s[column], errors="coerce")
    if threshold is not None:
        s["success"] = (pd.to_numeric(s["reward"], errors="coerce").fillna(0.0) >= threshold).astype(float)
    known = s["_length"] > 0
    if not known.any():
        raise ScoringInputError(f"results frame: column {column!r}: no non-error trial has a positive length to fit")
    return s.loc[known], n_errors, int((~known).sum())


def _sigmoid(eta: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -eta))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _check_p(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise ScoringInputError(f"option 'p': must be between 0 and 1, got {p}")


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Penalised logistic fits of ``y`` on ``x``, one per row of the weight matrix ``w`` (B x n).

    Each row of weights is rescaled to sum to ``total``, then ``sum w * loglik - l2 / 2 * b**2``
    is maximised by Newton steps with step halving. Rows whose weighted outcomes are all
    successes get ``a = +inf, b = 0``; all failures ``a = -inf, b = 0``.
    """
    return _fit_grouped(x, w * y[None, :], w, l2, total)


def _fit_grouped(
    x: np.ndarray,
    w_pass: np.ndarray,
    w_all: np.ndarray,
    l2: float,
    total: float,
    start: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_fit` on grouped data: at each ``x[j]``, weight ``w_all[:, j]`` of trials, ``w_pass[:, j]`` passed.

    Trials that share a length enter the likelihood only through these sums, so fitting the
    sums is exact and needs one column per distinct length instead of one per trial.
    ``start`` (a finite intercept and slope) is where Newton's method begins; by default the
    intercept-only fit.
    """
    n_rows = w_all.shape[0]
    scale = (total / w_all.sum(axis=1))[:, None]
    w_pass, w_all = w_pass * scale, w_all * scale
    # Centring x keeps the Hessian well conditioned; the intercept is mapped back at the end.
    centre = float(x.mean())
    xc = x - centre
    ybar = w_pass.sum(axis=1) / total
    a = np.zeros(n_rows)
    b = np.zeros(n_rows)
    all_pass, all_fail = ybar >= 1.0 - 1e-12, ybar <= 1e-12
    active = ~(all_pass | all_fail)
    if active.any():
        if start is not None:
            a0 = np.full(int(active.sum()), start[0] + start[1] * centre)
            b0 = np.full(int(active.sum()), start[1])
        else:
            a0 = np.log(ybar[active] / (1 - ybar[active]))
            b0 = np.zeros(int(active.sum()))
        a_act, b_act = _newton(xc, w_pass[active], w_all[active], l2, a0, b0)
        a[active], b[active] = a_act - b_act * centre, b_act
    a[all_pass], a[all_fail] = math.inf, -math.inf
    return a, b


def _newton(
    xc: np.ndarray, w_pass: np.ndarray, w_all: np.ndarray, l2: float, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method with step halving, one fit per row of the weights, from ``(a, b)``."""
    obj, p = _evaluate(a, b, xc, w_pass, w_all, l2)
    for _ in range(_MAX_NEWTON):
        resid = w_pass - w_all * p
        ga = resid.sum(axis=1)
        gb = resid @ xc - l2 * b
        s = w_all * p * (1 - p)
        haa = s.sum(axis=1)
        hab = s @ xc
        hbb = s @ (xc * xc) + l2
        det = np.maximum(haa * hbb - hab * hab, 1e-300)
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        step = np.ones_like(a)
        for _ in range(40):
            new_obj, new_p = _evaluate(a + step * da, b + step * db, xc, w_pass, w_all, l2)
            worse = new_obj < obj - 1e-12 * np.abs(obj)
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
        # A row still worse after 40 halvings is at its optimum to rounding: it keeps its values.
        step = np.where(worse, 0.0, step)
        a, b = a + step * da, b + step * db
        obj, p = np.where(worse, obj, new_obj), np.where(worse[:, None], p, new_p)
        if float(np.max(np.abs(step * da) + np.abs(step * db))) < _TOL:
            break
    return a, b


def _evaluate(
    a: np.ndarray, b: np.ndarray, xc: np.ndarray, w_pass: np.ndarray, w_all: np.ndarray, l2: float
) -> tuple[np.ndarray, np.ndarray]:
    """The penalised log-likelihood of each row's fit, and the fitted probabilities (B x n)."""
    eta = a[:, None] + b[:, None] * xc[None, :]
    # softplus(eta) = max(eta, 0) + log1p(exp(-|eta|)) and sigmoid(eta) from the same exp(-|eta|):
    # stable for any eta, with two transcendental passes instead of three.
    e = np.exp(-np.abs(eta))
    softplus = np.maximum(eta, 0.0) + np.log1p(e)
    obj = (w_pass * eta - w_all * softplus).sum(axis=1) - 0.5 * l2 * b * b
    p = np.where(eta >= 0, 1.0, e) / (1.0 + e)
    return np.asarray(obj), p


def _horizons(a: np.ndarray, b: np.ndarray, p: float, x_max: float) -> np.ndarray:
    """The p-horizon of each fit; NaN where it is undefined (see :class:`HorizonFit`)."""
    out = np.full(a.shape, np.nan)
    target = _logit(p)
    out[a == math.inf] = math.inf
    out[a == -math.inf] = 0.0
    finite = np.isfinite(a)
    falling = finite & (b < 0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        out[falling] = np.exp2((target - a[falling]) / b[falling])
        flat = finite & (b >= 0)
        holds = a + b * x_max >= target
        out[flat & holds] = math.inf
    return out


def _bootstrap_fits(
    data: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    base_w: np.ndarray,
    l2: float,
    n_rep: int,
    seed: int,
    start: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Intercepts and slopes of ``n_rep`` hierarchical-bootstrap replicates.

    When every task has one length (the usual case), replicates are drawn per task: how
    often each task is drawn (families, then tasks within them), then how many of the
    attempts drawn within it passed, which is binomial (``k`` draws of a task with ``m``
    attempts, ``c`` of them passed, draw ``k * m`` attempts that pass with chance ``c / m``).
    That is the same distribution as drawing every attempt, at the cost of one draw per task;
    the fits then run on one column per distinct length. Otherwise each trial's draws are
    counted (:func:`_hierarchical_counts`). Replicates are fitted in chunks of about 130,000
    cells: each array of a chunk (1 MB) stays in the processor's cache through the dozens of
    passes a Newton step makes, which is several times faster than larger chunks, and memory
    stays bounded on large runs.
    """
    rng = np.random.default_rng(seed)
    families, tasks = data["_family"].to_numpy(dtype=str), data["_task"].to_numpy(dtype=str)
    n_tasks = float(data["_task"].nunique())
    n = len(x)
    task_start = np.flatnonzero(np.r_[True, (tasks[1:] != tasks[:-1]) | (families[1:] != families[:-1])])
    task_id = np.repeat(np.arange(len(task_start)), np.diff(np.r_[task_start, n]))
    if not (np.array_equal(x, x[task_start][task_id]) and np.array_equal(base_w, base_w[task_start][task_id])):
        return _bootstrap_fits_per_trial(families, tasks, x, y, base_w, l2, n_rep, n_tasks, rng, start)
    attempts = np.diff(np.r_[task_start, n]).astype(float)
    pass_share = np.add.reduceat(y, task_start) / attempts
    weight = base_w[task_start]
    # Tasks sharing a length share a column of the fit.
    lengths, column = np.unique(x[task_start], return_inverse=True)
    order = np.argsort(column, kind="stable")
    col_start = np.flatnonzero(np.r_[True, np.diff(column[order]) != 0])
    chunk = max(1, _CHUNK_CELLS // len(task_start))
    fits_a, fits_b = [], []
    for first in range(0, n_rep, chunk):
        draws = _task_draws(families[task_start], min(chunk, n_rep - first), rng)
        drawn_attempts = draws * attempts[None, :]
        passed = rng.binomial(drawn_attempts.astype(np.int64), pass_share[None, :]).astype(float)
        w_pass = np.add.reduceat((passed * weight)[:, order], col_start, axis=1)
        w_all = np.add.reduceat((drawn_attempts * weight)[:, order], col_start, axis=1)
        a, b = _fit_grouped(lengths, w_pass, w_all, l2, n_tasks, start)
        fits_a.append(a)
        fits_b.append(b)
    return np.concatenate(fits_a), np.concatenate(fits_b)


def _bootstrap_fits_per_trial(
    families: np.ndarray,
    tasks: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    base_w: np.ndarray,
    l2: float,
    n_rep: int,
    n_tasks: float,
    rng: np.random.Generator,
    start: tuple[float, float] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Replicates drawn trial by trial, for data where a task's trials differ in length."""
    chunk = max(1, _CHUNK_CELLS // len(x))
    fits_a, fits_b = [], []
    for first in range(0, n_rep, chunk):
        counts = _hierarchical_counts(families, tasks, min(chunk, n_rep - first), rng)
        w = counts * base_w[None, :]
        a, b = _fit_grouped(x, w * y[None, :], w, l2, n_tasks, start)
        fits_a.append(a)
        fits_b.append(b)
    return np.concatenate(fits_a), np.concatenate(fits_b)


def _task_draws(task_families: np.ndarray, n_rep: int, rng: np.random.Generator) -> np.ndarray:
    """How often each task is drawn (B x tasks) when families, then tasks within them, are resampled.

    Tasks must be sorted by family. As many families are drawn as there are, and each drawn
    family brings as many task draws as it has tasks, each uniform within the family.
    """
    n_tasks = len(task_families)
    fam_start = np.flatnonzero(np.r_[True, task_families[1:] != task_families[:-1]])
    fam_size = np.diff(np.r_[fam_start, n_tasks])
    n_fam = len(fam_start)
    rep = np.repeat(np.arange(n_rep), n_fam)
    fam = rng.integers(0, n_fam, size=n_rep * n_fam)
    rep = np.repeat(rep, fam_size[fam])
    fam = np.repeat(fam, fam_size[fam])
    task = fam_start[fam] + (rng.random(len(fam)) * fam_size[fam]).astype(np.int64)
    return np.bincount(rep * n_tasks + task, minlength=n_rep * n_tasks).reshape(n_rep, n_tasks).astype(float)


def _hierarchical_counts(
    families: Sequence[str] | np.ndarray, tasks: Sequence[str] | np.ndarray, n_rep: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw counts (B x n) of each trial under families -> tasks -> attempts resampling.

    Trials must be sorted by family, then task. Each level draws with replacement as many
    units as the level holds, so replicates keep the data's shape. All replicates are drawn
    at once: the drawn families are expanded into task slots, and those into attempt slots,
    each slot picking uniformly within its unit.
    """
    fam_arr, task_arr = np.asarray(families), np.asarray(tasks)
    n = len(task_arr)
    # Trial ranges of each task, and task ranges of each family, in sorted order.
    task_start = np.flatnonzero(np.r_[True, (task_arr[1:] != task_arr[:-1]) | (fam_arr[1:] != fam_arr[:-1])])
    task_size = np.diff(np.r_[task_start, n])
    task_family = fam_arr[task_start]
    fam_start = np.flatnonzero(np.r_[True, task_family[1:] != task_family[:-1]])
    fam_size = np.diff(np.r_[fam_start, len(task_start)])
    n_fam = len(fam_start)

    rep = np.repeat(np.arange(n_rep), n_fam)
    fam = rng.integers(0, n_fam, size=n_rep * n_fam)
    rep = np.repeat(rep, fam_size[fam])
    fam = np.repeat(fam, fam_size[fam])
    task = fam_start[fam] + (rng.random(len(fam)) * fam_size[fam]).astype(np.int64)
    rep = np.repeat(rep, task_size[task])
    task = np.repeat(task, task_size[task])
    trial = task_start[task] + (rng.random(len(task)) * task_size[task]).astype(np.int64)
    flat = np.bincount(rep * n + trial, minlength=n_rep * n)
    return flat.reshape(n_rep, n).astype(float)
