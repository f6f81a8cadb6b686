"""Planning a claim check before paying for it: power, minimum detectable effect and cost per design.

For each claim and each candidate design (``tasks`` x ``attempts``) the plan simulates the
check ``claims check`` will run: tasks are drawn from the pilot's tasks, each with a true
success rate, attempts succeed with that rate, and the 95% interval is formed as the check
forms it (Wilson over tasks with one attempt each, otherwise estimate ± t·se over tasks, t at
n - 1 degrees of freedom;
for ``within`` claims over the paired per-task differences). The figures are

- **P(decisive)**: the chance of a supported or contradicted verdict if the truth is what
  the pilot estimated;
- **MDE**: the minimum detectable effect, the smallest distance of the truth from the
  claim's boundary (in percentage points) at which the design reaches the requested
  power, found by bisection over simulations with common random numbers;
- **expected cost**: trials times cost per trial, where the cost of a trial is the
  pilot's mean tokens per trial priced at the model's list price in models.toml (the
  pilot's recorded dollars when the model is not listed, stated priors without a pilot).

The pilot's per-task rates carry attempt noise, so they are shrunk towards their mean until
their spread equals the method-of-moments between-task variance
``max(0, var(rates) - mean(p(1 - p) / (n - 1)))``; attempt-level variance is then the
binomial variance of each task's rate. Tasks are treated as independent (each its own
cluster): where a suite's tasks share families, the check's cluster-robust interval is
wider and this plan is optimistic. ``horizon`` and ``cost_ratio`` claims are not planned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from horizonbench.agents.endpoints import ModelSpec, Usage, load_models
from horizonbench.scoring._frame import per_task, select
from horizonbench.scoring._stats import t_value, z_value
from horizonbench.scoring.claims_file import Claim, ClaimsFile, PassRateClaim, Selector, WithinClaim
from horizonbench.scoring.multiplicity import Correction, correction_note, per_claim_alpha

DEFAULT_ATTEMPTS = (1, 2, 3, 5, 8)
DEFAULT_TASKS = (20, 50, 100)
"""Task counts tried when neither a pilot nor a suite says how many tasks there are."""


@dataclass(frozen=True)
class Prior:
    """What to assume without a pilot run."""

    rate: float = 0.5
    """Mean per-task success rate of the subject (and of the reference, for ``within``)."""
    spread: float = 0.2
    """Standard deviation of true per-task success rates across tasks."""
    input_tokens: int = 200_000
    """Input tokens per trial, priced at the model's list price."""
    output_tokens: int = 20_000
    """Output tokens per trial."""


@dataclass(frozen=True)
class Arm:
    """One side of a claim as the simulation sees it."""

    label: str
    tasks: pd.Index
    true_rates: np.ndarray
    """Per task, the pilot's rate shrunk to the estimated between-task spread (or prior draws)."""
    estimate: float
    """The pilot's pass@1 (or the prior rate)."""
    between_sd: float
    within_var: float
    """Mean attempt-level (binomial) variance of a task's outcome."""
    cost_per_trial: float
    """Expected dollars per trial; NaN when unknown."""
    cost_source: str


@dataclass(frozen=True)
class Design:
    """One candidate design and what the simulation says of it."""

    tasks: int
    attempts: int
    trials: int
    cost_usd: float
    """NaN when the cost per trial is unknown."""
    p_decisive: float
    """Chance of a supported or contradicted verdict if the truth is the pilot's estimate."""
    mde: float
    """Minimum detectable effect in percentage points from the claim's boundary; NaN if unreachable."""
    meets_power: bool
    within_budget: bool


@dataclass(frozen=True)
class ClaimPlan:
    """The designs considered for one claim, and the one recommended."""

    claim_id: str
    kind: str
    estimate: float | None
    """The pilot's estimate (pass rate, or difference as a fraction); None when not planned."""
    boundary: float | None
    """The claim's boundary on the same scale (value, or ±points/100)."""
    designs: list[Design] = field(default_factory=list)
    recommended: Design | None = None
    note: str = ""
    assumed: bool = False
    """True when the estimate is a stated prior, not a pilot's."""


def plan_claims(
    claims: ClaimsFile | Sequence[Claim],
    pilot: pd.DataFrame | None = None,
    *,
    power: float = 0.8,
    budget_usd: float | None = None,
    confidence: float = 0.95,
    correction: Correction = "none",
    tasks: Sequence[int] | None = None,
    attempts: Sequence[int] = DEFAULT_ATTEMPTS,
    suite_sizes: dict[str, int] | None = None,
    prior: Prior | None = None,
    models_file: Path | None = None,
    n_sim: int = 1000,
    seed: int = 0,
) -> list[ClaimPlan]:
    """Plan each claim: designs with P(decisive), MDE and expected cost, and the cheapest that reaches ``power``.

    Task counts tried are ``tasks`` if given, else the suite's size (``suite_sizes`` by
    suite name) and the pilot's task count, else :data:`DEFAULT_TASKS`. Without a pilot,
    or for a side the pilot has no trials of, ``prior`` is assumed.

    Raises:
        ValueError: ``power`` outside (0, 1), or no task or attempt count to try.
        ConfigError: ``models_file`` cannot be read.
    """
    if not 0 < power < 1:
        raise ValueError(f"power must be between 0 and 1, got {power}")
    items = claims.claims if isinstance(claims, ClaimsFile) else list(claims)
    planned = [c for c in items if isinstance(c, PassRateClaim | WithinClaim)]
    alpha = per_claim_alpha(1 - confidence, len(items), correction)
    prior = prior or Prior()
    models = load_models(models_file)
    rng_seed = np.random.SeedSequence(seed)
    plans = []
    for claim, child in zip(items, rng_seed.spawn(len(items)), strict=True):
        if claim not in planned:
            note = "horizon and cost_ratio claims are not planned"
            plans.append(ClaimPlan(claim.id, claim.kind, None, None, note=note))
            continue
        assert isinstance(claim, PassRateClaim | WithinClaim)
        arms = [_arm(claim, claim.subject, pilot, prior, models)]
        if isinstance(claim, WithinClaim):
            arms.append(_arm(claim, claim.reference, pilot, prior, models))
        counts = _task_counts(claim, arms, tasks, suite_sizes)
        plans.append(_plan_one(claim, arms, counts, attempts, power, budget_usd, alpha, n_sim, child))
    return plans


def _arm(
    claim: PassRateClaim | WithinClaim,
    who: Selector,
    pilot: pd.DataFrame | None,
    prior: Prior,
    models: dict[str, ModelSpec],
) -> Arm:
    spec = models.get(who.model) if who.model else None
    rows = pd.DataFrame()
    if pilot is not None and not pilot.empty:
        rows = select(
            pilot,
            agent=who.agent,
            model=who.model,
            suite=claim.suite,
            min_minutes=claim.min_minutes,
            max_minutes=claim.max_minutes,
        )
    table = per_task(rows) if not rows.empty else None
    if table is None or table.empty:
        z = np.array([NormalDist().inv_cdf((i + 0.5) / 200) for i in range(200)])
        rates = np.clip(prior.rate + prior.spread * z, 0.0, 1.0)
        usage = Usage(input_tokens=prior.input_tokens, output_tokens=prior.output_tokens)
        cost, source = (math.nan, "unknown")
        if spec is not None:
            cost, source = spec.cost(usage), f"prior tokens at {spec.name}'s list price"
        within = float(np.mean(rates * (1 - rates)))
        index = pd.Index([f"prior-{i}" for i in range(len(rates))])
        # The clipped draws' mean, not prior.rate: near 0 or 1 the clipping moves it.
        return Arm(who.label(), index, rates, float(rates.mean()), prior.spread, within, cost, source)
    p, n = table["rate"].to_numpy(float), table["n"].to_numpy(float)
    mean = float(p.mean())
    var = float(p.var(ddof=1)) if len(p) > 1 else 0.0
    repeat = n > 1
    if repeat.any():
        w = p[repeat] * (1 - p[repeat]) * n[repeat] / (n[repeat] - 1)
        within = float(w.mean())
        between = max(0.0, var - float(np.mean(w / n[repeat])))
    else:  # one attempt per task cannot tell task from attempt variance: split it evenly
        within = mean * (1 - mean) / 2
        between = max(0.0, var - within)
    shrink = math.sqrt(between / var) if var > 0 else 0.0
    true_rates = np.clip(mean + (p - mean) * shrink, 0.0, 1.0)
    cost, source = _pilot_cost(rows, spec)
    return Arm(who.label(), table.index, true_rates, mean, math.sqrt(between), within, cost, source)


def _pilot_cost(rows: pd.DataFrame, spec: ModelSpec | None) -> tuple[float, str]:
    ok = rows[rows["status"] != "error"]
    if ok.empty:
        return math.nan, "unknown"
    columns = ("input_tokens", "cached_input_tokens", "output_tokens")
    if spec is not None and all(c in ok.columns for c in columns):
        means = {c: float(pd.to_numeric(ok[c], errors="coerce").fillna(0).mean()) for c in columns}
        usage = Usage(**{c: round(v) for c, v in means.items()})
        if usage.total > 0:
            return spec.cost(usage), f"pilot tokens at {spec.name}'s list price"
    if "cost_usd" in ok.columns:
        return float(pd.to_numeric(ok["cost_usd"], errors="coerce").fillna(0).mean()), "pilot cost_usd"
    return math.nan, "unknown"


def _task_counts(
    claim: Claim, arms: list[Arm], tasks: Sequence[int] | None, suite_sizes: dict[str, int] | None
) -> list[int]:
    if tasks:
        return sorted(set(tasks))
    counts: set[int] = set()
    if suite_sizes and claim.suite in suite_sizes:
        counts.add(suite_sizes[claim.suite])
    elif suite_sizes and claim.suite is None:
        counts.add(sum(suite_sizes.values()))
    piloted = [len(a.tasks) for a in arms if not a.tasks[0].startswith("prior-")]
    if piloted:
        counts.add(min(piloted))
    return sorted(counts) if counts else list(DEFAULT_TASKS)


def _plan_one(
    claim: PassRateClaim | WithinClaim,
    arms: list[Arm],
    task_counts: list[int],
    attempts: Sequence[int],
    power: float,
    budget: float | None,
    alpha: float,
    n_sim: int,
    seed: np.random.SeedSequence,
) -> ClaimPlan:
    if not task_counts or not attempts:
        raise ValueError("no task or attempt count to try")
    sim = _Simulator(claim, arms, alpha)
    per_trial = sum(a.cost_per_trial for a in arms)
    designs = []
    for n, child in zip(task_counts, seed.spawn(len(task_counts)), strict=True):
        for k in sorted(set(attempts)):
            draws = sim.draws(n, k, n_sim, np.random.default_rng(child.spawn(1)[0]))
            p_dec = sim.p_decisive(draws)
            mde = sim.mde(draws, power)
            cost = n * k * per_trial
            fits = budget is None or (not math.isnan(cost) and cost <= budget)
            designs.append(Design(n, k, n * k * len(arms), cost, p_dec, mde, p_dec >= power, fits))
    ok = [d for d in designs if d.meets_power and d.within_budget]
    recommended = min(ok, key=lambda d: (_cost_key(d), d.trials)) if ok else None
    if recommended is not None:
        note = f"cheapest design with P(decisive) >= {power:.0%} at the estimated effect"
    else:
        affordable = [d for d in designs if d.within_budget]
        best = max(affordable, key=lambda d: d.p_decisive) if affordable else None
        note = f"no design {'within budget ' if budget is not None else ''}reaches {power:.0%}"
        if best is not None:
            note += f"; the best is {best.tasks} x {best.attempts} at {best.p_decisive:.0%}"
    note += "; " + ", ".join(f"{a.label}: {_money(a.cost_per_trial)}/trial ({a.cost_source})" for a in arms)
    assumed = any(a.cost_source.startswith("prior") or a.tasks[0].startswith("prior-") for a in arms)
    return ClaimPlan(claim.id, claim.kind, sim.estimate, sim.boundary, designs, recommended, note, assumed)


def _cost_key(d: Design) -> float:
    return math.inf if math.isnan(d.cost_usd) else d.cost_usd


@dataclass
class _Draws:
    idx: np.ndarray
    """(S, n) task indices into the pool."""
    u: list[np.ndarray]
    """Per arm, (S, n, k) uniforms: attempt j of task i passes when u < rate."""


class _Simulator:
    """The check's verdict on simulated designs, for one claim."""

    def __init__(self, claim: PassRateClaim | WithinClaim, arms: list[Arm], alpha: float) -> None:
        self.claim = claim
        self.alpha = alpha
        self.z = z_value(1 - alpha)
        if isinstance(claim, WithinClaim):
            common = arms[0].tasks.intersection(arms[1].tasks)
            if len(common) == 0:  # prior on one side: pair by position
                size = min(len(arms[0].tasks), len(arms[1].tasks))
                self.pool = [a.true_rates[:size] for a in arms]
            else:
                self.pool = [a.true_rates[a.tasks.get_indexer(common)] for a in arms]
            self.estimate = arms[0].estimate - arms[1].estimate
            self.boundary = claim.points / 100
        else:
            self.pool = [arms[0].true_rates]
            self.estimate = arms[0].estimate
            self.boundary = claim.value

    def draws(self, n: int, k: int, n_sim: int, rng: np.random.Generator) -> _Draws:
        idx = rng.integers(0, len(self.pool[0]), size=(n_sim, n))
        return _Draws(idx, [rng.random((n_sim, n, k)) for _ in self.pool])

    def _shifted(self, target: float) -> np.ndarray:
        """The subject's pool shifted so that the population quantity equals ``target``."""
        base = self.pool[0]
        offset = float(np.mean(self.pool[1])) if len(self.pool) > 1 else 0.0
        lo, hi = -1.0, 1.0
        for _ in range(40):
            mid = (lo + hi) / 2
            if float(np.mean(np.clip(base + mid, 0, 1))) - offset < target:
                lo = mid
            else:
                hi = mid
        return np.clip(base + (lo + hi) / 2, 0, 1)

    def verdicts(self, d: _Draws, subject_rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Boolean (supported, contradicted) per simulation."""
        n, k = d.idx.shape[1], d.u[0].shape[2]
        stat = (d.u[0] < subject_rates[d.idx][..., None]).mean(axis=2)
        if len(self.pool) > 1:
            stat = stat - (d.u[1] < self.pool[1][d.idx][..., None]).mean(axis=2)
        est = stat.mean(axis=1)
        se = stat.std(axis=1, ddof=1) / math.sqrt(n) if n > 1 else np.full(len(est), np.inf)
        # The check's cluster-t interval; with every task its own cluster, the t interval at n - 1 df.
        t = t_value(1 - self.alpha, n - 1) if n > 1 else math.inf
        low, high = est - t * se, est + t * se
        z2n = self.z**2 / n
        if isinstance(self.claim, PassRateClaim):
            # The check's Wilson interval over tasks with one attempt each, or when se is 0.
            wilson = (k == 1) | (se == 0)
            centre = (est + z2n / 2) / (1 + z2n)
            half = self.z * np.sqrt(est * (1 - est) / n + self.z**2 / (4 * n * n)) / (1 + z2n)
            low = np.where(wilson, centre - half, low)
            high = np.where(wilson, centre + half, high)
            v = self.claim.value
            if self.claim.op == ">=":
                return low >= v, high < v
            return high <= v, low > v
        flat = se == 0  # all differences equal: the check bounds them by Wilson for 0 of n
        width = z2n / (1 + z2n)
        low = np.where(flat, est - width, low)
        high = np.where(flat, est + width, high)
        b = self.boundary
        return (low >= -b) & (high <= b), (low > b) | (high < -b)

    def p_decisive(self, d: _Draws) -> float:
        supported, contradicted = self.verdicts(d, self.pool[0])
        return float(np.mean(supported | contradicted))

    def mde(self, d: _Draws, power: float) -> float:
        """Points from the boundary, on the side the pilot points to, at which ``power`` is reached."""
        b = self.boundary
        if isinstance(self.claim, WithinClaim):
            inside = abs(self.estimate) <= b
            sign = 1.0 if self.estimate >= 0 else -1.0
            span = b if inside else 1.0 - b

            def target(delta: float) -> float:
                return sign * (b - delta if inside else b + delta)

            wanted = 0 if inside else 1
        else:
            up = self.estimate >= b
            claimed_up = self.claim.op == ">="
            span = 1.0 - b if up else b

            def target(delta: float) -> float:
                return b + delta if up else b - delta

            wanted = 0 if up == claimed_up else 1

        def achieved(delta: float) -> float:
            return float(np.mean(self.verdicts(d, self._shifted(target(delta)))[wanted]))

        if span <= 0 or achieved(span) < power:
            return math.nan
        lo, hi = 0.0, span
        for _ in range(14):
            mid = (lo + hi) / 2
            if achieved(mid) >= power:
                hi = mid
            else:
                lo = mid
        return hi * 100


def _money(value: float) -> str:
    return "n/a" if math.isnan(value) else f"${value:,.4g}" if value < 1000 else f"${value:,.0f}"


def plans_to_markdown(
    plans: Sequence[ClaimPlan], *, power: float, confidence: float, correction: Correction, n_claims: int
) -> str:
    """A Markdown table per claim: design, trials, expected cost, MDE, P(decisive); the recommendation under it."""
    out = []
    for plan in plans:
        out.append(f"### {plan.claim_id} ({plan.kind})\n")
        if not plan.designs:
            out.append(f"not planned: {plan.note}\n")
            continue
        out.append(
            f"{'assumed (prior)' if plan.assumed else 'pilot estimate'} {plan.estimate:.3f}, "
            f"boundary {plan.boundary:g}\n\n"
            "| tasks x attempts | trials | expected cost | MDE (points) | P(decisive) | |\n|---|---|---|---|---|---|"
        )
        for d in plan.designs:
            mark = "recommended" if d is plan.recommended else ("over budget" if not d.within_budget else "")
            mde = "n/a" if math.isnan(d.mde) else f"{d.mde:.1f}"
            cells = [f"{d.tasks} x {d.attempts}", str(d.trials), _money(d.cost_usd), mde, f"{d.p_decisive:.0%}", mark]
            out.append("| " + " | ".join(cells) + " |")
        out.append(f"\n{plan.note}\n")
    note = correction_note(1 - confidence, n_claims, correction)
    out.append(f"Power {power:.0%}, {confidence:.0%} intervals before correction. {note}\n")
    return "\n".join(out)
