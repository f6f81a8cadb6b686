"""Small statistical primitives shared by the scoring modules (numpy and the standard library only)."""

from __future__ import annotations

import math
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
