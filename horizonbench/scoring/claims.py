"""Checking claims against results: supported, contradicted or inconclusive, with the evidence.

Each claim is turned into an estimate with a confidence interval. The claim is
**supported** when every value in the interval satisfies it, **contradicted** when every
value violates it, and **inconclusive** otherwise (including when there is no data to
decide on). The format of claims files lives in :mod:`horizonbench.scoring.claims_file`.

Every interval is built for suites with few task families (cluster = family):

- pass rates and differences of pass rates: ``cluster-t`` (CR2 clustered standard error,
  t at the Bell-McCaffrey degrees of freedom; :func:`horizonbench.scoring._stats.cluster_t`);
- cost ratios: the same on the log of the ratio, by the delta method;
- horizons: the family bootstrap, or whichever horizon method the claim names.

The method and its parameters are recorded with each verdict (``method``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from horizonbench.errors import ClaimsFileError
from horizonbench.scoring._frame import per_task, require, scored, select
from horizonbench.scoring._stats import log_ratio_interval, percentile_interval, resample_counts
from horizonbench.scoring.claims_file import (
    Claim,
    ClaimsFile,
    CostRatioClaim,
    HorizonClaim,
    PassRateClaim,
    RobustClaim,
    Selector,
    WithinClaim,
    load_claims,
)
from horizonbench.scoring.compare import NO_SPREAD, compare
from horizonbench.scoring.horizon import HorizonMethod, fit_horizon, horizon_method
from horizonbench.scoring.metrics import CLUSTER_T, check_interval, cluster_interval, pass_at_1

Outcome = Literal["supported", "contradicted", "inconclusive"]

__all__ = [
    "ClaimVerdict",
    "ClaimsFile",
    "Outcome",
    "check_claims",
    "decide_at_least",
    "decide_at_most",
    "decide_within",
    "load_claims",
    "verdicts_to_markdown",
]


@dataclass(frozen=True)
class ClaimVerdict:
    """The answer to one claim and the evidence behind it."""

    claim_id: str
    kind: str
    text: str
    verdict: Outcome
    estimate: float | None
    """pass@1 (fraction), difference (fraction), horizon (minutes) or cost ratio; None when undefined."""
    low: float
    high: float
    test: str
    """How the interval was obtained."""
    detail: str
    """One sentence relating the interval to the claim."""
    n_tasks: int
    method: str = ""
    """The estimation choices behind the interval (interval method, weighting, penalty), as set
    by the claim, the command line or the defaults."""


def check_claims(
    claims: ClaimsFile | Sequence[Claim],
    df: pd.DataFrame,
    *,
    confidence: float = 0.95,
    n_bootstrap: int = 2000,
    seed: int = 0,
    interval: str = CLUSTER_T,
    horizon: str | HorizonMethod = "default",
) -> list[ClaimVerdict]:
    """Check each claim against the trials in ``df``, in order.

    ``interval`` (for pass rates and their differences) and ``horizon`` (a horizon method
    or preset name) apply to claims that do not set their own.

    Raises:
        ClaimsFileError: a claim's subject, reference or suite matches no trial (the message
            names the claim and field, and what the results hold instead).
        ScoringInputError: ``df`` lacks a column a claim needs, or an option is unknown.
    """
    source = claims.source if isinstance(claims, ClaimsFile) else "claims"
    items = claims.claims if isinstance(claims, ClaimsFile) else list(claims)
    require(df, [], "checking claims")
    check_interval(interval)
    default_horizon = horizon_method(horizon)
    verdicts = []
    for i, claim in enumerate(items):
        where = f"{source}: claim[{i}]"
        if isinstance(claim, PassRateClaim):
            verdicts.append(_pass_rate(claim, df, where, confidence, claim.interval or interval))
        elif isinstance(claim, WithinClaim):
            verdicts.append(_within(claim, df, where, confidence, claim.interval or interval))
        elif isinstance(claim, RobustClaim):
            verdicts.append(_robust(claim, df, where, confidence, claim.interval or interval))
        elif isinstance(claim, HorizonClaim):
            chosen = horizon_method(
                claim.method or default_horizon,
                weights=claim.weights,
                l2=claim.l2,
                reg=claim.reg,
                interval=claim.interval,
            )
            verdicts.append(_horizon(claim, df, where, confidence, n_bootstrap, seed, chosen))
        else:
            verdicts.append(_cost_ratio(claim, df, where, confidence, n_bootstrap, seed))
    return verdicts


def verdicts_to_markdown(verdicts: Sequence[ClaimVerdict]) -> str:
    """A Markdown table of verdicts: claim, verdict, estimate, interval, test, method and detail."""
    lines = [
        "| claim | verdict | estimate | interval | test | method | detail |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        est = "n/a" if v.estimate is None else f"{v.estimate:.4g}"
        interval = f"[{v.low:.4g}, {v.high:.4g}]"
        cells = [v.claim_id, v.verdict, est, interval, v.test, v.method, v.detail]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def decide_at_least(low: float, high: float, value: float) -> Outcome:
    """The verdict on ``quantity >= value`` given the quantity's interval."""
    if math.isnan(low) or math.isnan(high):
        return "inconclusive"
    if low >= value:
        return "supported"
    if high < value:
        return "contradicted"
    return "inconclusive"


def decide_at_most(low: float, high: float, value: float) -> Outcome:
    """The verdict on ``quantity <= value`` given the quantity's interval."""
    if math.isnan(low) or math.isnan(high):
        return "inconclusive"
    if high <= value:
        return "supported"
    if low > value:
        return "contradicted"
    return "inconclusive"


def decide_within(low: float, high: float, bound: float) -> Outcome:
    """The verdict on ``|quantity| <= bound`` given the quantity's interval."""
    if math.isnan(low) or math.isnan(high):
        return "inconclusive"
    if -bound <= low and high <= bound:
        return "supported"
    if low > bound or high < -bound:
        return "contradicted"
    return "inconclusive"


def _rows(df: pd.DataFrame, who: Selector, claim: Claim, field: str, where: str) -> pd.DataFrame:
    """Trials of ``who`` (and the claim's suite), before any length filter.

    Raises:
        ClaimsFileError: nothing matches the selector or the suite.
    """
    rows = select(df, agent=who.agent, model=who.model)
    if rows.empty:
        present = _present(df, "model" if who.model is not None else "agent")
        raise ClaimsFileError(f"{where}.{field}: no trials match {who.label()} ({present})")
    if claim.suite is not None:
        in_suite = select(rows, suite=claim.suite)
        if in_suite.empty:
            raise ClaimsFileError(
                f"{where}.suite: no trials of {who.label()} in suite {claim.suite!r} ({_present(rows, 'suite')})"
            )
        rows = in_suite
    return _fresh(rows, claim, where)


def _fresh(rows: pd.DataFrame, claim: Claim, where: str) -> pd.DataFrame:
    """The trials of tasks created inside the claim's window (created_after / created_before).

    Raises:
        ClaimsFileError: no task of the subject falls in it.
    """
    if claim.created_after is None and claim.created_before is None:
        return rows
    created = rows["task_created"].fillna("") if "task_created" in rows.columns else pd.Series("", index=rows.index)
    keep = created != ""
    if claim.created_after is not None:
        keep &= created > claim.created_after.isoformat()
    if claim.created_before is not None:
        keep &= created <= claim.created_before.isoformat()
    if not keep.any():
        undated = int((created == "").sum())
        raise ClaimsFileError(
            f"{where}.created_after/created_before: no trials of tasks created in that window "
            f"({undated} of {len(rows)} trials are of tasks without metadata.created)"
        )
    return rows[keep]


def _present(df: pd.DataFrame, column: str) -> str:
    if column not in df.columns:
        return f"the results have no {column} column"
    values = sorted(str(v) for v in df[column].dropna().unique())
    shown = ", ".join(values[:10]) + (", …" if len(values) > 10 else "")
    return f"{column}s in the results: {shown}"


def _length_filtered(rows: pd.DataFrame, claim: PassRateClaim | WithinClaim | CostRatioClaim) -> pd.DataFrame:
    return select(rows, min_minutes=claim.min_minutes, max_minutes=claim.max_minutes)


def _pct(confidence: float) -> str:
    return f"{round(confidence * 100)}%"


def _pass_rate(claim: PassRateClaim, df: pd.DataFrame, where: str, confidence: float, interval: str) -> ClaimVerdict:
    rows = _length_filtered(_rows(df, claim.subject, claim, "subject", where), claim)
    rate = pass_at_1(rows, confidence, interval)
    decide = decide_at_least if claim.op == ">=" else decide_at_most
    outcome = decide(rate.low, rate.high, claim.value) if rate.n_tasks else "inconclusive"
    detail = (
        f"pass@1 {rate.estimate:.3f} over {rate.n_tasks} tasks ({rate.n_trials} trials, {rate.n_errors} errors "
        f"excluded); claim: {claim.op} {claim.value:g}"
        if rate.n_tasks
        else "no non-error trials match the claim's filters"
    )
    return ClaimVerdict(
        claim.id,
        claim.kind,
        claim.text,
        outcome,
        None if math.isnan(rate.estimate) else rate.estimate,
        rate.low,
        rate.high,
        f"pass@1, {_pct(confidence)} {rate.method_label} interval",
        detail,
        rate.n_tasks,
        f"interval={interval} (used: {rate.method_label}), cluster=family",
    )


def _paired(
    reference: pd.DataFrame, subject: pd.DataFrame, conf: float, interval: str, what: str
) -> tuple[Any, float, float, str]:
    """The comparison of ``subject`` with ``reference`` on their common tasks, the interval of the
    mean per-task difference (cluster = family), and how it was obtained."""
    result = compare(reference, subject, n_bootstrap=1, confidence=conf)
    if result.n_common == 0:
        return result, math.nan, math.nan, ""
    if result.interval == NO_SPREAD:
        test = f"{what} pass rate on common tasks; all differences equal, so bounded by Wilson for 0 of n"
        return result, result.diff_low, result.diff_high, test
    table = result.per_task
    ci = cluster_interval(
        table["diff"].to_numpy(dtype=float), table["family"].to_numpy(dtype=str), conf, interval, (-1.0, 1.0)
    )
    label = f"{ci.method} ({ci.df:.3g} df)" if ci.method == CLUSTER_T else ci.method
    return result, ci.low, ci.high, f"{_pct(conf)} {label} interval of the mean per-task difference, {what}"


def _within(claim: WithinClaim, df: pd.DataFrame, where: str, conf: float, interval: str) -> ClaimVerdict:
    subject = _length_filtered(_rows(df, claim.subject, claim, "subject", where), claim)
    reference = _length_filtered(_rows(df, claim.reference, claim, "reference", where), claim)
    what = "subject minus reference, common tasks"
    result, low, high, test = _paired(reference, subject, conf, interval, what)
    bound = claim.points / 100
    method = f"interval={interval}, cluster=family"
    if result.n_common == 0:
        return _no_common(claim, f"{interval} interval of subject minus reference pass rate on common tasks", method)
    detail = (
        f"subject {result.candidate_rate:.3f} vs reference {result.base_rate:.3f} on {result.n_common} common "
        f"tasks; claim: difference within ±{claim.points:g} points"
    )
    return ClaimVerdict(
        claim.id,
        claim.kind,
        claim.text,
        decide_within(low, high, bound),
        result.diff,
        low,
        high,
        test,
        detail,
        result.n_common,
        method,
    )


def _robust(claim: RobustClaim, df: pd.DataFrame, where: str, conf: float, interval: str) -> ClaimVerdict:
    """Variants against their originals: each variant's trials are read as trials of its original
    task, so the paired difference is variant minus original on the tasks that have both."""
    rows = _rows(df, claim.subject, claim, "subject", where)
    of = rows["variant_of"].fillna("") if "variant_of" in rows.columns else pd.Series("", index=rows.index)
    # paired by the original's name; a variant suite's name would keep the pairs apart
    variants = rows[of != ""].assign(task=of[of != ""], suite="")
    originals = rows[(of == "") & rows["task"].isin(set(of[of != ""]))].assign(suite="")
    result, low, high, test = _paired(originals, variants, conf, interval, "variant minus original")
    method = f"interval={interval}, cluster=family"
    if result.n_common == 0:
        return _no_common(claim, "no task was run both as an original and as a variant (tasks variants)", method)
    drop = -result.diff
    detail = (
        f"originals {result.base_rate:.3f} vs variants {result.candidate_rate:.3f} on {result.n_common} pairs: "
        f"a drop of {drop * 100:.1f} points; claim: at most {claim.max_drop:g}"
    )
    verdict = decide_at_least(low, high, -claim.max_drop / 100)
    return ClaimVerdict(
        claim.id, claim.kind, claim.text, verdict, result.diff, low, high, test, detail, result.n_common, method
    )


def _horizon(
    claim: HorizonClaim, df: pd.DataFrame, where: str, conf: float, n_boot: int, seed: int, method: HorizonMethod
) -> ClaimVerdict:
    rows = _rows(df, claim.subject, claim, "subject", where)
    fit = fit_horizon(rows, method=method, n_bootstrap=n_boot, seed=seed, confidence=conf)
    if claim.quantile == 50:
        estimate, low, high = fit.h50, fit.h50_low, fit.h50_high
    else:
        estimate, low, high = fit.h80, fit.h80_low, fit.h80_high
    decide = decide_at_least if claim.op == ">=" else decide_at_most
    side = 0 if claim.quantile == 50 else 1
    detail = (
        f"{claim.quantile}% horizon {estimate:.1f} min from {fit.n_trials} trials on {fit.n_tasks} tasks; "
        f"of {n_boot} replicates {fit.n_below[side]} never reach {claim.quantile}% (horizon 0) and "
        f"{fit.n_above[side]} never fall below it (horizon inf); claim: {claim.op} {claim.value:g} min"
    )
    return ClaimVerdict(
        claim.id,
        claim.kind,
        claim.text,
        decide(low, high, claim.value),
        estimate,
        low,
        high,
        f"logistic fit on log2(expert minutes), {fit.method.interval} ({n_boot} replicates)",
        detail,
        fit.n_tasks,
        fit.method.describe(),
    )


def _cost_ratio(
    claim: CostRatioClaim, df: pd.DataFrame, where: str, conf: float, n_boot: int, seed: int
) -> ClaimVerdict:
    subject = _length_filtered(_rows(df, claim.subject, claim, "subject", where), claim)
    reference = _length_filtered(_rows(df, claim.reference, claim, "reference", where), claim)
    require(subject, ["cost_usd"], "a cost claim")
    s_cost, s_pass = _task_costs(subject)
    r_cost, r_pass = _task_costs(reference)
    s_tasks, r_tasks = per_task(subject), per_task(reference)
    common = s_tasks.index.intersection(r_tasks.index).sort_values()
    method = "interval=cluster-t on the log ratio (delta method), cluster=family"
    if len(common) == 0:
        return _no_common(claim, "interval of the ratio of costs per solved task on common tasks", method)
    sc, sp = s_cost.loc[common].to_numpy(), s_pass.loc[common].to_numpy()
    rc, rp = r_cost.loc[common].to_numpy(), r_pass.loc[common].to_numpy()
    families = s_tasks.loc[common, "family"].to_numpy(dtype=str)
    estimate = _ratio(np.array([sc.sum()]), np.array([sp.sum()]), np.array([rc.sum()]), np.array([rp.sum()]))[0]
    if min(sc.sum(), sp.sum(), rc.sum(), rp.sum()) > 0:
        low, high, t = log_ratio_interval([sc, rp], [sp, rc], families, conf)
        label = f"cluster-t ({t.df:.3g} df)" if t.n_clusters >= 2 else "no interval (one family)"
        test = f"{_pct(conf)} {label} interval of the log ratio of costs per solved task (delta method), common tasks"
    else:
        # Nothing solved (or nothing spent) on one side: the log ratio is unbounded, and only a
        # bootstrap over tasks says anything about where the ratio could lie.
        counts = resample_counts(np.random.default_rng(seed), len(common), n_boot)
        low, high = percentile_interval(_ratio(counts @ sc, counts @ sp, counts @ rc, counts @ rp), conf)
        test = f"bootstrap over common tasks ({n_boot} replicates) of the ratio of costs per solved task"
        method = "interval=bootstrap over tasks (nothing solved or spent on one side)"
    detail = (
        f"cost per solved task {_money(sc.sum(), sp.sum())} vs {_money(rc.sum(), rp.sum())} on {len(common)} "
        f"common tasks; claim: ratio <= {claim.ratio:g}"
    )
    return ClaimVerdict(
        claim.id,
        claim.kind,
        claim.text,
        decide_at_most(low, high, claim.ratio),
        None if math.isnan(estimate) else float(estimate),
        low,
        high,
        test,
        detail,
        len(common),
        method,
    )


def _no_common(claim: WithinClaim | CostRatioClaim | RobustClaim, test: str, method: str) -> ClaimVerdict:
    detail = "subject and reference have no task in common"
    return ClaimVerdict(
        claim.id, claim.kind, claim.text, "inconclusive", None, math.nan, math.nan, test, detail, 0, method
    )


def _task_costs(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per task: dollars spent on non-error trials, and trials passed."""
    s = scored(rows)
    s["_cost"] = pd.to_numeric(s["cost_usd"], errors="coerce").fillna(0.0)
    g = s.groupby("_task")
    return g["_cost"].sum(), g["success"].sum()


def _ratio(s_cost: np.ndarray, s_pass: np.ndarray, r_cost: np.ndarray, r_pass: np.ndarray) -> np.ndarray:
    """Subject over reference cost per solved task; inf when only the subject solved nothing, NaN when neither did."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s_cps = np.where(s_pass > 0, s_cost / np.maximum(s_pass, 1), np.inf)
        r_cps = np.where(r_pass > 0, r_cost / np.maximum(r_pass, 1), np.inf)
        return np.asarray(s_cps / r_cps, dtype=float)


def _money(cost: float, passed: float) -> str:
    return f"${cost / passed:.4g}" if passed > 0 else "n/a (nothing solved)"
