"""Paired comparison of two runs on the tasks both attempted, and the regression gate for CI.

Each task is scored by its success rate over non-error attempts in each run, and the runs
are compared task by task (candidate minus base), which removes the task-to-task spread
that an unpaired comparison would carry. With one attempt per task on both sides the
outcomes are binary and the test is the exact McNemar test on the discordant tasks;
otherwise it is the exact sign test on the per-task differences (McNemar's
generalisation). The interval of the mean difference is a paired bootstrap over tasks.

The regression gate asks a one-sided question (is the candidate worse?) at level ``alpha``:
the one-sided exact McNemar test for binary outcomes, the one-sided paired-bootstrap bound
otherwise. Under two equally good agents it therefore fails about ``alpha`` of builds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from horizonbench.scoring._frame import ScoringInputError, per_task, require
from horizonbench.scoring._stats import (
    check_confidence,
    check_replicates,
    percentile_interval,
    resample_counts,
    sign_test,
    sign_test_less,
    wilson,
)

MCNEMAR = "exact McNemar"
SIGN_TEST = "exact sign test"
BOOTSTRAP = "paired bootstrap"
NO_SPREAD = "no-spread bound"
NO_TEST = "no test (no common tasks)"
"""``test`` and ``interval`` of a comparison without common tasks: nothing was tested."""


@dataclass(frozen=True)
class Comparison:
    """Candidate versus base on their common tasks."""

    base: str
    candidate: str
    n_common: int
    """Tasks with at least one non-error attempt in both runs."""
    only_base: tuple[str, ...]
    only_candidate: tuple[str, ...]
    base_rate: float
    """Mean per-task success rate of the base run over the common tasks."""
    candidate_rate: float
    diff: float
    """``candidate_rate - base_rate``; negative means the candidate did worse."""
    diff_low: float
    diff_high: float
    binary: bool
    """True when every common task has exactly one non-error attempt in each run."""
    base_better: int
    """Common tasks where the base did better (discordant pairs base-passed/candidate-failed when binary)."""
    candidate_better: int
    p_value: float
    """Two-sided p-value of the exact test named in ``test``; 1.0 without common tasks."""
    test: str
    """``exact McNemar``, ``exact sign test``, or ``no test (no common tasks)``."""
    interval: str
    """How ``diff_low``/``diff_high`` were obtained: ``paired bootstrap``, or ``no-spread bound``
    when every common task differs by the same amount (see :func:`compare`)."""
    base_errors: int
    candidate_errors: int
    confidence: float
    n_bootstrap: int
    seed: int
    per_task: pd.DataFrame
    """One row per common task: family, attempts, passed and rate on each side, and ``diff``."""
    replicates: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    """Mean difference of each paired-bootstrap replicate (empty with the no-spread bound)."""

    @property
    def p_worse(self) -> float:
        """One-sided exact p-value (McNemar / sign test) that the candidate does worse; 1.0 without common tasks."""
        return sign_test_less(self.candidate_better, self.base_better)

    def significantly_worse(self, alpha: float) -> bool:
        """Whether a one-sided test at level ``alpha`` finds the candidate worse.

        Binary outcomes: the one-sided exact McNemar test, ``p_worse < alpha``. Otherwise the
        paired bootstrap: at least ``1 - alpha`` of the replicates fall below zero (with no
        spread, the no-spread bound at confidence ``1 - 2 alpha`` lies below zero).
        """
        if self.n_common == 0:
            return False
        if self.binary:
            return self.p_worse < alpha
        if self.replicates.size:
            return float(np.quantile(self.replicates, 1 - alpha, method="higher")) < 0.0
        return _no_spread_interval(self.diff, self.n_common, 1 - 2 * alpha)[1] < 0.0

    def to_markdown(self, max_tasks: int = 50) -> str:
        """A short Markdown report: the headline numbers, then up to ``max_tasks`` tasks whose outcome changed."""
        pct = round(self.confidence * 100)
        lines = [
            f"### {self.candidate} vs {self.base}",
            "",
            "| | value |",
            "|---|---|",
            f"| common tasks | {self.n_common} |",
            f"| {self.base} pass rate | {_pct(self.base_rate)} |",
            f"| {self.candidate} pass rate | {_pct(self.candidate_rate)} |",
            f"| difference | {_points(self.diff)} ({pct}% {self.interval} {_points(self.diff_low)} to "
            f"{_points(self.diff_high)}) |",
            f"| tasks better in base / candidate | {self.base_better} / {self.candidate_better} |",
            f"| {self.test} p-value | {self.p_value:.4g} |",
            f"| errors (base / candidate, excluded) | {self.base_errors} / {self.candidate_errors} |",
        ]
        if self.only_base or self.only_candidate:
            lines.append(f"| tasks only in base / candidate | {len(self.only_base)} / {len(self.only_candidate)} |")
        changed = self.per_task.loc[self.per_task["diff"] != 0] if self.n_common else self.per_task
        if not changed.empty:
            lines += ["", "| task | base | candidate | diff |", "|---|---|---|---|"]
            ordered = changed.sort_values("diff")
            for task, row in ordered.head(max_tasks).iterrows():
                name = str(task).replace("|", "\\|")
                lines.append(f"| {name} | {row['base_rate']:.2f} | {row['candidate_rate']:.2f} | {row['diff']:+.2f} |")
            if len(ordered) > max_tasks:
                lines.append(f"| … {len(ordered) - max_tasks} more | | | |")
        return "\n".join(lines) + "\n"


def compare(
    base: pd.DataFrame,
    candidate: pd.DataFrame,
    *,
    base_label: str = "base",
    candidate_label: str = "candidate",
    n_bootstrap: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Comparison:
    """Compare the trials of ``candidate`` with those of ``base``, paired by task.

    When every common task differs by the same amount ``c`` (most often: identical outcomes,
    ``c = 0``), a bootstrap would return the zero-width interval ``[c, c]`` however few the
    tasks. Instead, the share of tasks that might differ otherwise is bounded by the upper
    Wilson limit ``u`` for 0 of n, and the interval is ``[c - u (1 + c), c + u (1 - c)]``,
    the widest mean difference such a share could produce.

    Raises:
        ScoringInputError: a frame lacks ``task`` or ``status``, a status is unknown, or an
            option is out of range.
    """
    require(base, [], "a comparison")
    require(candidate, [], "a comparison")
    check_confidence(confidence)
    check_replicates(n_bootstrap)
    b, c = per_task(base), per_task(candidate)
    common = b.index.intersection(c.index).sort_values()
    table = pd.DataFrame(
        {
            "family": b.loc[common, "family"],
            "base_n": b.loc[common, "n"],
            "base_passed": b.loc[common, "c"],
            "base_rate": b.loc[common, "rate"],
            "candidate_n": c.loc[common, "n"],
            "candidate_passed": c.loc[common, "c"],
            "candidate_rate": c.loc[common, "rate"],
        },
        index=common,
    )
    table["diff"] = table["candidate_rate"] - table["base_rate"]
    diffs = table["diff"].to_numpy(dtype=float)
    n = len(diffs)
    binary = bool(n and (table["base_n"] == 1).all() and (table["candidate_n"] == 1).all())
    base_better, candidate_better = int((diffs < 0).sum()), int((diffs > 0).sum())
    interval = BOOTSTRAP
    replicates = np.empty(0)
    if n:
        base_rate, cand_rate = float(table["base_rate"].mean()), float(table["candidate_rate"].mean())
        if np.ptp(diffs) == 0.0:
            low, high = _no_spread_interval(float(diffs[0]), n, confidence)
            interval = NO_SPREAD
        else:
            counts = resample_counts(np.random.default_rng(seed), n, n_bootstrap)
            replicates = counts @ diffs / n
            low, high = percentile_interval(replicates, confidence)
    else:
        low = high = base_rate = cand_rate = math.nan
        interval = NO_TEST
    return Comparison(
        base=base_label,
        candidate=candidate_label,
        n_common=n,
        only_base=tuple(str(t) for t in b.index.difference(c.index)),
        only_candidate=tuple(str(t) for t in c.index.difference(b.index)),
        base_rate=base_rate,
        candidate_rate=cand_rate,
        diff=cand_rate - base_rate,
        diff_low=low,
        diff_high=high,
        binary=binary,
        base_better=base_better,
        candidate_better=candidate_better,
        p_value=sign_test(candidate_better, base_better),
        test=NO_TEST if n == 0 else MCNEMAR if binary else SIGN_TEST,
        interval=interval,
        base_errors=int((base["status"] == "error").sum()),
        candidate_errors=int((candidate["status"] == "error").sum()),
        confidence=confidence,
        n_bootstrap=n_bootstrap,
        seed=seed,
        per_task=table,
        replicates=replicates,
    )


def compare_runs(
    df: pd.DataFrame,
    base: str,
    candidate: str,
    *,
    column: str = "run_id",
    n_bootstrap: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Comparison:
    """Compare the rows whose ``column`` equals ``candidate`` with those equal to ``base``.

    Raises:
        ScoringInputError: ``column`` is missing, either value matches no row, or an option
            is out of range.
    """
    require(df, [column], "a comparison")
    for label in (base, candidate):
        if not (df[column] == label).any():
            known = ", ".join(sorted(str(v) for v in df[column].dropna().unique())[:10])
            raise ScoringInputError(f"results frame: column {column!r}: no rows for {label!r} (found: {known})")
    return compare(
        df.loc[df[column] == base],
        df.loc[df[column] == candidate],
        base_label=base,
        candidate_label=candidate,
        n_bootstrap=n_bootstrap,
        seed=seed,
        confidence=confidence,
    )


def regression(result: Comparison, max_drop: float, alpha: float = 0.05) -> bool:
    """The CI gate: True only when the candidate is significantly worse by more than ``max_drop``.

    Significantly worse is a one-sided test at level ``alpha``
    (:meth:`Comparison.significantly_worse`): the one-sided exact McNemar test for binary
    outcomes, the one-sided paired-bootstrap bound otherwise. The drop
    ``base_rate - candidate_rate`` must also exceed ``max_drop`` (a fraction: 0.02 is two
    points), so a tiny but certain drop does not fail a build. False without common tasks.

    Raises:
        ScoringInputError: ``max_drop`` is negative or ``alpha`` is outside (0, 1).
    """
    if max_drop < 0:
        raise ScoringInputError(f"option 'max_drop': must be at least 0, got {max_drop}")
    if not 0.0 < alpha < 1.0:
        raise ScoringInputError(f"option 'alpha': must be between 0 and 1, got {alpha}")
    if result.n_common == 0:
        return False
    drop = result.base_rate - result.candidate_rate
    return bool(drop > 0 and drop > max_drop and result.significantly_worse(alpha))


def _no_spread_interval(c: float, n: int, confidence: float) -> tuple[float, float]:
    """The interval for a mean difference when all ``n`` observed differences equal ``c``."""
    u = wilson(0, n, confidence)[1]
    return max(-1.0, c - u * (1 + c)), min(1.0, c + u * (1 - c))


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 100:.1f}%"


def _points(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 100:+.1f} pts"
