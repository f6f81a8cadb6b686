"""``horizonbench run --until-decided CLAIMS``: run attempts in rounds, stop when every claim is decided.

How rounds map onto runs: round ``r`` is attempt ``r - 1`` of every task and agent. All
rounds are one run, one run id and one ``run.json``: the manifest records ``--attempts``
as the planned maximum, and each round calls :func:`horizonbench.runner.run.execute` with
``RunOptions.attempts_so_far = r``, which runs only the attempts below ``r`` that are not
done yet. The run's fingerprint never changes, so resume works as for any run (after an
interruption, the same command carries on; without ``--until-decided`` it completes the
planned maximum), and every trial that ran stays in the run directory and in every figure.

After each round the claims are monitored with anytime-valid confidence sequences
(:mod:`horizonbench.scoring.sequential`, Waudby-Smith and Ramdas 2024), Bonferroni-corrected
across the claims monitored by default, so stopping at the first round where all are
decided keeps the chance of any wrong verdict at or under ``alpha``. The record of the
rounds and verdicts goes to ``results/<run-id>/decisions.json``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from horizonbench.errors import RunError
from horizonbench.models.decisions import ClaimDecision, Decisions, RoundRecord
from horizonbench.results.loading import load
from horizonbench.results.store import RunDir, atomic_write
from horizonbench.runner.executor import Executor, RunOptions
from horizonbench.runner.run import ProgressFn, RunSummary, execute
from horizonbench.scoring.claims_file import ClaimsFile
from horizonbench.scoring.multiplicity import Correction, correction_note
from horizonbench.scoring.sequential import METHOD, SequentialVerdict, monitor_claims, monitored, sequential_to_markdown
from horizonbench.tasks.loader import Suite, Task

REFERENCE = (
    "Waudby-Smith & Ramdas, Estimating means of bounded random variables by betting, JRSS-B 86(1), 2024 "
    "(arXiv:2010.09686)"
)


@dataclass(frozen=True)
class UntilDecided:
    """What an until-decided run did: the rounds, the verdicts, and what the fixed design would have run."""

    run_id: str
    path: Path
    rounds_run: int
    max_rounds: int
    verdicts: list[SequentialVerdict]
    decisions: Decisions
    last: RunSummary
    """The last round's summary (its results are every trial of the run)."""
    trials: int
    """Trials in the run directory, errors included: all are kept."""
    planned_trials: int
    """Trials of the fixed design: tasks x agents x the planned maximum of attempts."""
    cost_usd: float

    @property
    def stopped_early(self) -> bool:
        return self.rounds_run < self.max_rounds

    def to_markdown(self) -> str:
        saving = 1 - self.trials / self.planned_trials if self.planned_trials else 0.0
        head = (
            f"run {self.run_id}: {self.rounds_run} of {self.max_rounds} rounds, {self.trials} trials "
            f"(the fixed design runs {self.planned_trials}; {saving:.0%} fewer), ${self.cost_usd:.4g} spent; "
            + ("stopped: every monitored claim is decided" if self.stopped_early else "ran the planned maximum")
            + "\n\n"
        )
        return head + sequential_to_markdown(self.verdicts, self.decisions.correction_note)


RoundFn = Callable[[int, list[SequentialVerdict], RunSummary], None]


async def run_until_decided(
    tasks: Sequence[Task],
    suites: Sequence[Suite],
    opts: RunOptions,
    claims: ClaimsFile,
    *,
    alpha: float = 0.05,
    correction: Correction = "bonferroni",
    executor: Executor | None = None,
    progress: ProgressFn | None = None,
    on_round: RoundFn | None = None,
) -> UntilDecided:
    """Run rounds of one attempt per task and agent until every monitored claim is decided or
    ``opts.attempts`` rounds have run.

    Raises:
        RunError: no claim of the file can be monitored (only horizon or cost claims), or
            after the first round none matches the run's trials (the message names both);
            or what :func:`~horizonbench.runner.run.execute` raises.
    """
    if not any(monitored(c) for c in claims.claims):
        raise RunError(
            f"{claims.source}: --until-decided monitors pass_rate and within claims, and this file has neither; "
            "run without --until-decided and use 'claims check'"
        )
    verdicts: list[SequentialVerdict] = []
    records: list[RoundRecord] = []
    summary: RunSummary | None = None
    rounds = 0
    for rounds in range(1, opts.attempts + 1):
        summary = await execute(tasks, suites, dataclasses.replace(opts, attempts_so_far=rounds), progress, executor)
        df = load([summary.path])
        verdicts = monitor_claims(claims, df, alpha=alpha, correction=correction)
        watched = [v for v in verdicts if v.verdict != "not monitored"]
        if not watched:
            shown = ", ".join(sorted({f"{a}/{m}" for a, m in zip(df["agent"], df["model"], strict=True)}))
            raise RunError(
                f"{claims.source}: no pass_rate or within claim is about this run's trials ({shown}); "
                "check the claims' subject/reference, or run without --until-decided"
            )
        undecided = [v.claim_id for v in watched if not v.decided()]
        records.append(RoundRecord(round=rounds, trials=len(df), undecided=undecided))
        if on_round is not None:
            on_round(rounds, verdicts, summary)
        if not undecided:
            break
    assert summary is not None  # opts.attempts >= 1 is checked by execute
    df = load([summary.path])
    n_watched = sum(v.verdict != "not monitored" for v in verdicts)
    decisions = Decisions(
        claims_file=claims.source,
        method=f"{METHOD}; {REFERENCE}",
        alpha=alpha,
        correction=correction,
        correction_note=correction_note(alpha, n_watched, correction),
        max_rounds=opts.attempts,
        rounds_run=rounds,
        stopped_early=rounds < opts.attempts,
        rounds=records,
        claims=[_decision(v) for v in verdicts],
    )
    run = RunDir(opts.results_root, opts.run_id)
    atomic_write(run.path / "decisions.json", decisions.model_dump_json(indent=2) + "\n")
    cost = df["cost_usd"].fillna(0).sum() if "cost_usd" in df.columns else 0.0
    return UntilDecided(
        run_id=opts.run_id,
        path=summary.path,
        rounds_run=rounds,
        max_rounds=opts.attempts,
        verdicts=verdicts,
        decisions=decisions,
        last=summary,
        trials=len(df),
        planned_trials=len(tasks) * len(opts.agents) * opts.attempts,
        cost_usd=float(cost),
    )


def _decision(v: SequentialVerdict) -> ClaimDecision:
    def finite(x: float) -> float | None:
        return None if math.isnan(x) else x

    return ClaimDecision(
        claim_id=v.claim_id,
        kind=v.kind,
        verdict=v.verdict,
        decided_at_round=v.decided_at_round,
        estimate=v.estimate,
        low=finite(v.low),
        high=finite(v.high),
        alpha=finite(v.alpha),
        n_trials=v.n_trials,
        detail=v.detail,
    )
