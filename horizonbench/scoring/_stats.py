"""Small statistical primitives shared by the scoring modules (numpy and the standard library only)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from horizonbench.scoring._frame import ScoringInputError


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence`` (1.959964 for 0.95).

    Raises:
        ScoringInputError: ``confidence`` is not strictly between 0 and 1.
    """
    check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def check_confidence(confidence: float) -> None:
    """Check a confidence level.

    Raises:
        ScoringInputError: ``confidence`` is not strictly between 0 and 1.
    """
    if not 0.0 < confidence < 1.0:
        raise ScoringInputError(f"option 'confidence': must be between 0 and 1, got {confidence}")


def wilson(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``n`` (``(0, 1)`` when ``n`` is 0)."""
    if n <= 0:
        return 0.0, 1.0
    z = z_value(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z2n)
    return max(0.0, centre - half), min(1.0, centre + half)


def t_value(confidence: float, df: float) -> float:
    """The two-sided quantile of Student's t with ``df`` degrees of freedom (2.776 for 0.95 and 4).

    Found by bisection on the distribution function, which is a regularised incomplete beta
    function: ``P(|T| <= t) = 1 - I_{df / (df + t**2)}(df / 2, 1 / 2)``. ``df`` need not be
    an integer (the Bell-McCaffrey degrees of freedom rarely are).

    Raises:
        ScoringInputError: ``confidence`` is not strictly between 0 and 1, or ``df`` is not positive.
    """
    check_confidence(confidence)
    if not df > 0:
        raise ScoringInputError(f"degrees of freedom: must be positive, got {df}")
    low, high = 0.0, 1.0
    while _t_within(high, df) < confidence:
        high *= 2
    for _ in range(80):
        mid = (low + high) / 2
        if _t_within(mid, df) < confidence:
            low = mid
        else:
            high = mid
        if high - low < 1e-12 * high:
            break
    return (low + high) / 2


def _t_within(t: float, df: float) -> float:
    """``P(|T| <= t)`` for Student's t with ``df`` degrees of freedom."""
    return 1.0 - _betainc(df / 2, 0.5, df / (df + t * t))


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function ``I_x(a, b)`` by its continued fraction.

    The fraction converges fast for ``x < (a + 1) / (a + b + 2)``; above that the symmetry
    ``I_x(a, b) = 1 - I_{1-x}(b, a)`` is used.
    """
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function, by the modified Lentz method."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return result


@dataclass(frozen=True)
class ClusterT:
    """The small-sample cluster-robust standard error of a mean and its degrees of freedom."""

    se: float
    """Square root of the CR2 (bias-reduced) variance; NaN with fewer than two clusters."""
    df: float
    """Bell-McCaffrey degrees of freedom; ``G - 1`` when clusters are of equal size."""
    n_clusters: int


def cluster_t(values: np.ndarray, clusters: np.ndarray) -> ClusterT:
    """The CR2 standard error of the mean of ``values`` with Bell-McCaffrey degrees of freedom.

    Why not the normal quantile with the usual (CR1) clustered error: with the handful of task
    families a suite has, the error is itself estimated from G numbers, and
    ``mean ± 1.96 se`` covers far less than 95% (85-90% with 5-8 families in simulation).
    The fix used here is the one Imbens and Kolesár (2016) recommend for few clusters:

    - the bias-reduced variance (Bell and McCaffrey's CR2). For a mean over ``n`` values with
      residual sums ``S_g`` over clusters of ``n_g`` values it is
      ``sum_g S_g**2 / (1 - n_g / n) / n**2``, which equals CR1 when clusters are equal;
    - a t quantile whose degrees of freedom are Satterthwaite's for that variance under
      independent errors: with ``f_g = n_g / n`` and ``M = diag(f / (1 - f)) - u u'``,
      ``u_g = f_g / sqrt(1 - f_g)``, ``df = trace(M)**2 / trace(M @ M)``. Equal clusters give
      ``G - 1``; unequal ones fewer, as a few large clusters carry most of the information.

    Each value in its own cluster reduces this to the textbook t interval (``n - 1`` df).
    """
    n = len(values)
    if n == 0:
        return ClusterT(math.nan, math.nan, 0)
    _, inverse = np.unique(clusters, return_inverse=True)
    n_clusters = int(inverse.max()) + 1
    if n_clusters < 2:
        return ClusterT(math.nan, math.nan, n_clusters)
    resid = values - values.mean()
    sums = np.bincount(inverse, weights=resid, minlength=n_clusters)
    share = np.bincount(inverse, minlength=n_clusters) / n
    var = float(np.sum(sums**2 / (1.0 - share))) / n**2
    u = share / np.sqrt(1.0 - share)
    m = np.diag(share / (1.0 - share)) - np.outer(u, u)
    df = float(np.trace(m) ** 2 / np.sum(m * m))
    return ClusterT(math.sqrt(max(var, 0.0)), df, n_clusters)


def log_ratio_interval(
    numerators: Sequence[np.ndarray], denominators: Sequence[np.ndarray], clusters: np.ndarray, confidence: float
) -> tuple[float, float, ClusterT]:
    """A cluster-t interval for ``R = prod(sum(num)) / prod(sum(den))``, built on ``log R``.

    ``log R`` is a smooth function of the means of per-task values; its linearisation at
    the estimate is the mean of ``v_i = sum_num x_i / mean(x) - sum_den x_i / mean(x)``
    (zero at the estimate), so the CR2 error and Bell-McCaffrey degrees of freedom of that
    mean (:func:`cluster_t`) are those of ``log R`` (the delta method). The interval is
    ``exp(log R ± t * se)``; ``(0, inf)`` with fewer than two clusters. Every sum must be
    positive.
    """
    log_ratio = sum(math.log(float(x.sum())) for x in numerators) - sum(math.log(float(x.sum())) for x in denominators)
    v = sum(x / x.mean() for x in numerators) - sum(x / x.mean() for x in denominators)
    t = cluster_t(np.asarray(v, dtype=float), clusters)
    if t.n_clusters < 2:
        return 0.0, math.inf, t
    half = t_value(confidence, t.df) * t.se if t.se > 0 else 0.0
    return math.exp(log_ratio - half), math.exp(log_ratio + half), t


def cluster_se(values: np.ndarray, clusters: np.ndarray) -> tuple[float, int]:
    """The cluster-robust standard error of the mean of ``values``, and the number of clusters.

    With residuals ``e_i = v_i - mean(v)``, per-cluster sums ``S_g`` and ``G`` clusters over
    ``n`` values: ``var = G / (G - 1) * sum_g S_g**2 / n**2`` (the CR1 correction). Each
    value in its own cluster reduces this to ``sample variance / n``. Returns NaN for the
    standard error when there are fewer than two clusters.
    """
    n = len(values)
    if n == 0:
        return math.nan, 0
    _, inverse = np.unique(clusters, return_inverse=True)
    n_clusters = int(inverse.max()) + 1
    if n_clusters < 2:
        return math.nan, n_clusters
    resid = values - values.mean()
    sums = np.bincount(inverse, weights=resid, minlength=n_clusters)
    var = n_clusters / (n_clusters - 1) * float(np.sum(sums**2)) / n**2
    return math.sqrt(max(var, 0.0)), n_clusters


def sign_test(wins: int, losses: int) -> float:
    """The exact two-sided binomial test of ``wins`` against ``losses`` at p = 1/2.

    ``p = min(1, 2 * sum_{i <= min(wins, losses)} C(n, i) / 2**n)`` with ``n = wins + losses``,
    computed in exact integers; 1.0 when ``n`` is 0. With binary outcomes this is the exact
    McNemar test on the discordant pairs.
    """
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1))
    return min(1.0, 2 * tail / 2**n)


def sign_test_less(wins: int, losses: int) -> float:
    """The exact one-sided binomial test that ``wins`` is too few against ``losses`` at p = 1/2.

    ``P(X <= wins)`` for ``X ~ Binomial(wins + losses, 1/2)``, in exact integers; 1.0 when
    there are no trials. With binary outcomes this is the one-sided exact McNemar test.
    """
    n = wins + losses
    if n == 0:
        return 1.0
    return sum(math.comb(n, i) for i in range(wins + 1)) / 2**n


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """A percentile interval that never interpolates, so infinite replicates stay infinite.

    The lower bound takes the order statistic at or below the lower quantile and the upper
    bound the one at or above the upper quantile (slightly conservative). NaN replicates are
    dropped; ``(nan, nan)`` when none is left.
    """
    check_confidence(confidence)
    s = samples[~np.isnan(samples)]
    if s.size == 0:
        return math.nan, math.nan
    tail = (1 - confidence) / 2
    low = float(np.quantile(s, tail, method="lower"))
    high = float(np.quantile(s, 1 - tail, method="higher"))
    return low, high


def resample_counts(rng: np.random.Generator, n_items: int, n_replicates: int) -> np.ndarray:
    """How often each of ``n_items`` is drawn in each replicate of a plain bootstrap (B x n)."""
    draws = rng.integers(0, n_items, size=(n_replicates, n_items))
    offsets = (np.arange(n_replicates) * n_items)[:, None]
    flat = np.bincount((draws + offsets).ravel(), minlength=n_replicates * n_items)
    return flat.reshape(n_replicates, n_items)


def check_replicates(n_bootstrap: int) -> None:
    """Check a number of bootstrap replicates.

    Raises:
        ScoringInputError: ``n_bootstrap`` is below 1.
    """
    if n_bootstrap < 1:
        raise ScoringInputError(f"option 'n_bootstrap': must be at least 1, got {n_bootstrap}")
