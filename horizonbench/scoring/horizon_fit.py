"""The logistic fit behind a time horizon: weights, the penalised fit, and horizons from its coefficients.

Success is regressed on ``x = log2(length)``: ``P(success) = sigmoid(a + b * x)``. Weights
are rescaled to sum to the number of tasks and the slope carries the penalty
``l2 / 2 * b**2`` (the intercept is not penalised), so METR's regularisation ``reg`` (with
weights summing to 1, as scikit-learn's ``C = 1 / reg``) is ``l2 = reg * tasks``. Every
function here works on many fits at once (one per row of a weight matrix) for the
bootstrap in :mod:`horizonbench.scoring.horizon_bootstrap`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from horizonbench.scoring._frame import ScoringInputError, require, scored

Length = Literal["minutes", "steps"]
Weighting = Literal["equal", "invsqrt_family"]
WEIGHTINGS: tuple[str, ...] = ("equal", "invsqrt_family")

LENGTH_COLUMNS: dict[str, str] = {"minutes": "expert_minutes", "steps": "horizon_steps"}

_MAX_NEWTON = 100
_TOL = 1e-9


def task_weights(df: pd.DataFrame, scheme: Weighting = "equal") -> np.ndarray:
    """Per-row weights for the rows of ``df`` (non-error trials), before rescaling.

    ``equal``: ``1 / attempts of the task``. ``invsqrt_family``: that, divided by
    ``sqrt(tasks in the family)``, so a family of m tasks weighs ``sqrt(m)`` in total.

    Raises:
        ScoringInputError: ``scheme`` is unknown or ``task`` is missing.
    """
    if scheme not in WEIGHTINGS:
        raise ScoringInputError(f"option 'weights': must be 'equal' or 'invsqrt_family', got {scheme!r}")
    require(df, [], "task weights")
    s = scored(df)
    attempts = s.groupby("_task")["_task"].transform("size").to_numpy(dtype=float)
    w = 1.0 / attempts
    if scheme == "invsqrt_family":
        family_tasks = s.groupby("_family")["_task"].transform("nunique").to_numpy(dtype=float)
        w = w / np.sqrt(family_tasks)
    return w


def trials(df: pd.DataFrame, column: str, threshold: float | None) -> tuple[pd.DataFrame, int, int]:
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


def sigmoid(eta: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -eta))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def check_p(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise ScoringInputError(f"option 'p': must be between 0 and 1, got {p}")


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Penalised logistic fits of ``y`` on ``x``, one per row of the weight matrix ``w`` (B x n).

    Each row of weights is rescaled to sum to ``total``, then ``sum w * loglik - l2 / 2 * b**2``
    is maximised by Newton steps with step halving. Rows whose weighted outcomes are all
    successes get ``a = +inf, b = 0``; all failures ``a = -inf, b = 0``.
    """
    return fit_grouped(x, w * y[None, :], w, l2, total)


def fit_grouped(
    x: np.ndarray,
    w_pass: np.ndarray,
    w_all: np.ndarray,
    l2: float,
    total: float,
    start: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fit_logistic` on grouped data: at ``x[j]``, weight ``w_all[:, j]`` of trials, ``w_pass[:, j]`` passed.

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


def horizons(a: np.ndarray, b: np.ndarray, p: float, x_max: float) -> np.ndarray:
    """The p-horizon of each fit (see :class:`horizonbench.scoring.horizon.HorizonFit`).

    Where predicted success falls with length, the crossing of p. Where it does not fall
    (all passed, all failed, or a flat or rising curve), there is no crossing, and the
    horizon says which side of p the curve is on over the tasks fitted: ``inf`` when
    success at the longest task is at least p (every length is within the horizon), ``0.0``
    when it is below p (no length is). A replicate is therefore never dropped.
    """
    out = np.empty(a.shape)
    target = logit(p)
    finite = np.isfinite(a)
    falling = finite & (b < 0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        out[falling] = np.exp2((target - a[falling]) / b[falling])
        holds = np.where(finite, a + b * x_max >= target, a > 0)
    rest = ~falling
    out[rest & holds] = math.inf
    out[rest & ~holds] = 0.0
    return out
