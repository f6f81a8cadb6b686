"""Deciding claims while trials still run: anytime-valid confidence sequences over rounds.

A run decided this way runs attempts in **rounds**: round ``r`` is attempt ``r`` of every
task. After each round a claim gets a confidence sequence (CS) for its quantity, and the
run stops once every claim it monitors is decided. A fixed-sample 95% interval looked at
after every round would be wrong more than 5% of the time (each look is another chance to
cross the line); a confidence sequence covers the true value at *every* round at once
with probability ``1 - alpha``, so stopping whenever it excludes the claim's boundary keeps
the false-verdict rate at or under ``alpha`` whatever the stopping rule.

The method is the hedged-capital betting CS of Waudby-Smith and Ramdas, "Estimating means
of bounded random variables by betting", J. R. Stat. Soc. B 86(1), 2024 (arXiv:2010.09686),
Theorem 3, with its predictable plug-in bets. For each candidate mean ``m`` two gamblers
bet on the outcomes being above and below ``m``; ``m`` leaves the CS once either's hedged
wealth reaches ``1/alpha`` (Ville's inequality bounds the chance of that under ``m`` by
``alpha``). The running intersection over rounds is kept, so a decision once reached is
never withdrawn. One adaptation: the paper's observations share one mean, while the trials
of a round have one mean per task; all trials of a round therefore share one bet, which
keeps the wealth a supermartingale under a null about the mean over tasks (the AM-GM
argument in :func:`betting_cs`).

The outcomes of a round are the trials of that attempt: for a ``pass_rate`` claim each
task's 0/1 result, for a ``within`` claim each task's paired difference (subject minus
reference, on tasks both ran without error) rescaled to [0, 1]. Attempts are independent
given the tasks, so the CS is for the pass rate **on the tasks run**: unlike ``claims
check``, it does not generalise to tasks outside the suite. A trial with an error result
is left out of its round (the runner runs it again next round); the guarantee assumes
errors do not depend on whether the attempt would have passed.
``horizon`` and ``cost_ratio`` claims are not monitored (a logistic fit and a ratio of
unbounded costs have no bounded per-trial outcome); they never hold a run open.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from horizonbench.scoring._frame import scored, select
from horizonbench.scoring.claims import decide_at_least, decide_at_most, decide_within
from horizonbench.scoring.claims_file import Claim, ClaimsFile, PassRateClaim, Selector, WithinClaim
from horizonbench.scoring.multiplicity import Correction, per_claim_alpha

SequentialOutcome = Literal["supported", "contradicted", "undecided", "not monitored"]

METHOD = "betting confidence sequence (Waudby-Smith & Ramdas 2024, hedged capital), valid under optional stopping"

GRID = 1001
"""Candidate means the CS is evaluated on (a step of 0.001); bounds are rounded outwards to it."""


def betting_cs(
    x: np.ndarray, alpha: float, *, c: float = 0.75, theta: float = 0.5, grid: int = GRID
) -> tuple[np.ndarray, np.ndarray]:
    """The running-intersection betting CS after each round, for trial outcomes in [0, 1].

    ``x`` has shape ``(..., T, n)``: leading axes are independent sequences (simulations),
    then ``T`` rounds of ``n`` trials (one per task; NaN for a trial that is missing, which
    is skipped). Returns ``(low, high)``, each of shape ``(..., T)``: the CS after rounds
    ``1..T``, rounded outwards to the grid.

    All trials of a round share one bet, fixed before the round from the rounds before it
    (the predictable plug-in ``lambda = sqrt(2 log(2/alpha) / (sigma2 N log(1 + N)))`` with
    ``N`` the trials through the round), truncated at ``c/m`` (betting up) and
    ``c/(1 - m)`` (betting down); ``theta`` splits the capital between the two gamblers.
    Why one bet per round: the trials of a round are independent with different means
    ``p_i`` (one per task), and for a common bet the round's expected wealth factor is
    ``prod_i (1 + lambda (p_i - m)) <= (1 + lambda (mean(p) - m)) ** n`` by the AM-GM
    inequality, which is at most 1 when ``mean(p) <= m``; so each gambler's wealth stays a
    nonnegative supermartingale under a null about the mean over tasks, and Ville's
    inequality applies as in Waudby-Smith and Ramdas (where each observation has the same
    mean). Betting trial by trial rather than on the round's mean lets the sequence shrink
    with the number of trials, not only with the number of rounds.

    Raises:
        ValueError: an outcome outside [0, 1], or ``alpha`` outside (0, 1).
    """
    x = np.asarray(x, dtype=float)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if x.ndim < 2:
        raise ValueError("outcomes must have shape (..., rounds, trials)")
    if np.any(x < 0) or np.any(x > 1):
        raise ValueError("outcomes must lie in [0, 1]")
    lead, n_t = x.shape[:-2], x.shape[-2]
    m = np.linspace(0.0, 1.0, grid)
    with np.errstate(divide="ignore"):
        cap_up = np.where(m > 0, c / m, np.inf)
        cap_down = np.where(m < 1, c / (1 - m), np.inf)
    log_up = np.zeros((*lead, grid))
    log_down = np.zeros((*lead, grid))
    rejected = np.zeros((*lead, grid), dtype=bool)
    threshold = math.log(1 / alpha)
    total = np.zeros(lead)
    count = np.zeros(lead)
    sq = np.zeros(lead)
    low = np.empty((*lead, n_t))
    high = np.empty((*lead, n_t))
    step = 1.0 / (grid - 1)
    for t in range(n_t):
        xt = x[..., t, :]
        present = ~np.isnan(xt)
        n_now = count + present.sum(axis=-1)
        mu_prev = (0.5 + total) / (count + 1)
        sigma2 = (0.25 + sq) / (count + 1)
        lam = np.sqrt(2 * math.log(2 / alpha) / (sigma2 * np.maximum(n_now, 1) * np.log1p(np.maximum(n_now, 1))))
        diff = np.where(present, xt, 0.0)[..., :, None] - m  # (..., n, grid)
        mask = present[..., :, None]
        up = np.minimum(lam[..., None], cap_up)[..., None, :]
        down = np.minimum(lam[..., None], cap_down)[..., None, :]
        log_up += np.where(mask, np.log1p(up * diff), 0.0).sum(axis=-2)
        log_down += np.where(mask, np.log1p(-down * diff), 0.0).sum(axis=-2)
        hedged = np.maximum(math.log(theta) + log_up, math.log(1 - theta) + log_down)
        rejected |= hedged >= threshold
        kept = ~rejected
        anything = kept.any(axis=-1)
        first = np.argmax(kept, axis=-1)
        last = grid - 1 - np.argmax(kept[..., ::-1], axis=-1)
        # Outwards by one grid step: the CS's true edge lies between a kept and a rejected point.
        low[..., t] = np.where(anything, np.maximum(m[first] - step, 0.0), np.nan)
        high[..., t] = np.where(anything, np.minimum(m[last] + step, 1.0), np.nan)
        total += np.where(present, xt, 0.0).sum(axis=-1)
        sq += np.where(present, (np.nan_to_num(xt) - mu_prev[..., None]) ** 2, 0.0).sum(axis=-1)
        count = n_now
    return low, high


@dataclass(frozen=True)
class SequentialVerdict:
    """A monitored claim after the rounds so far."""

    claim_id: str
    kind: str
    text: str
    verdict: SequentialOutcome
    estimate: float | None
    """Mean of the round observations (pass rate, or difference as a fraction); None if none."""
    low: float
    high: float
    """The confidence sequence after the last round (NaN when not monitored or no rounds)."""
    decided_at_round: int | None
    """The 1-based round at which the verdict was first reached; None while undecided."""
    rounds: int
    """Rounds with at least one non-error trial for this claim."""
    n_trials: int
    """Non-error trials the claim's rounds were computed from (all kept, none dropped)."""
    alpha: float
    """The error rate this claim's CS was built at (after the correction across claims)."""
    detail: str

    def decided(self) -> bool:
        return self.verdict in ("supported", "contradicted")


def monitored(claim: Claim) -> bool:
    """Whether a claim has a bounded per-round observation (``pass_rate`` and ``within`` do)."""
    return isinstance(claim, PassRateClaim | WithinClaim)


def monitor_claims(
    claims: ClaimsFile | Sequence[Claim],
    df: pd.DataFrame,
    *,
    alpha: float = 0.05,
    correction: Correction = "bonferroni",
) -> list[SequentialVerdict]:
    """The sequential verdict on each claim from the rounds (attempts) in ``df``.

    The correction divides ``alpha`` among the claims monitored (those whose trials are in
    ``df``); claims of other kinds, or about trials not in ``df``, are ``not monitored``.

    Raises:
        ScoringInputError: ``df`` lacks ``attempt`` or a column a claim's filters need.
    """
    items = claims.claims if isinstance(claims, ClaimsFile) else list(claims)
    present = [c for c in items if monitored(c) and _present(c, df)]
    each = per_claim_alpha(alpha, len(present), correction)
    out = []
    for claim in items:
        if claim not in present:
            reason = (
                "a horizon or cost claim has no bounded per-round observation"
                if not monitored(claim)
                else "no trials of this run match its subject/reference"
            )
            out.append(_unmonitored(claim, reason))
        else:
            out.append(_monitor(claim, df, each))
    return out


def _present(claim: Claim, df: pd.DataFrame) -> bool:
    sides = [claim.subject] + ([claim.reference] if isinstance(claim, WithinClaim) else [])
    return all(not _side(claim, df, who).empty for who in sides)


def _side(claim: Claim, df: pd.DataFrame, who: Selector) -> pd.DataFrame:
    assert isinstance(claim, PassRateClaim | WithinClaim)
    return select(
        df,
        agent=who.agent,
        model=who.model,
        suite=claim.suite,
        min_minutes=claim.min_minutes,
        max_minutes=claim.max_minutes,
    )


def _by_round(rows: pd.DataFrame) -> pd.DataFrame:
    """Success per task (columns) and round (rows), non-error trials only."""
    s = scored(rows)
    return s.pivot_table(index="attempt", columns="_task", values="success", aggfunc="mean")


def _monitor(claim: Claim, df: pd.DataFrame, alpha: float) -> SequentialVerdict:
    subject = _by_round(_side(claim, df, claim.subject))
    if isinstance(claim, WithinClaim):
        reference = _by_round(_side(claim, df, claim.reference))
        table = subject.sub(reference)  # NaN where either side has no non-error trial
        table = table.dropna(how="all")
        n_trials = 2 * int(table.notna().to_numpy().sum())
        x = (table.to_numpy(dtype=float) + 1) / 2
    else:
        table = subject.dropna(how="all")
        n_trials = int(table.notna().to_numpy().sum())
        x = table.to_numpy(dtype=float)
    obs = table.mean(axis=1, skipna=True)
    if len(x) == 0:
        return _unmonitored(claim, "no non-error trials yet", alpha=alpha)
    low, high = betting_cs(x, alpha)
    if isinstance(claim, WithinClaim):
        low, high = 2 * low - 1, 2 * high - 1
    verdicts = [_decide(claim, lo, hi) for lo, hi in zip(low, high, strict=True)]
    decided_at = next((i + 1 for i, v in enumerate(verdicts) if v != "inconclusive"), None)
    final = verdicts[-1]
    verdict: SequentialOutcome = "undecided" if final == "inconclusive" else cast(SequentialOutcome, final)
    estimate = float(obs.mean())
    what = "difference" if isinstance(claim, WithinClaim) else "pass rate"
    when = f"decided at round {decided_at}" if decided_at else "not decided yet"
    detail = f"{what} {estimate:.3f} over {len(x)} rounds ({n_trials} trials); {when}"
    return SequentialVerdict(
        claim.id,
        claim.kind,
        claim.text,
        verdict,
        estimate,
        float(low[-1]),
        float(high[-1]),
        decided_at,
        len(x),
        n_trials,
        alpha,
        detail,
    )


def _decide(claim: Claim, low: float, high: float) -> str:
    if isinstance(claim, WithinClaim):
        return decide_within(low, high, claim.points / 100)
    assert isinstance(claim, PassRateClaim)
    # Strict at the boundary: a CS touching the claimed value has not excluded it.
    if claim.op == ">=":
        return decide_at_least(low, high, claim.value) if low != claim.value else "inconclusive"
    return decide_at_most(low, high, claim.value) if high != claim.value else "inconclusive"


def _unmonitored(claim: Claim, reason: str, *, alpha: float = math.nan) -> SequentialVerdict:
    verdict: SequentialOutcome = "not monitored" if math.isnan(alpha) else "undecided"
    return SequentialVerdict(
        claim.id, claim.kind, claim.text, verdict, None, math.nan, math.nan, None, 0, 0, alpha, reason
    )


def sequential_to_markdown(verdicts: Sequence[SequentialVerdict], correction_note: str) -> str:
    """A Markdown table of sequential verdicts, with the correction across claims stated under it."""
    lines = [
        "| claim | verdict | round decided | estimate | confidence sequence | detail |",
        "|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        est = "n/a" if v.estimate is None else f"{v.estimate:.4g}"
        cs = "n/a" if math.isnan(v.low) else f"[{v.low:.4g}, {v.high:.4g}]"
        cells = [v.claim_id, v.verdict, str(v.decided_at_round or "-"), est, cs, v.detail]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + f"\n\n{METHOD}. {correction_note}\n"
