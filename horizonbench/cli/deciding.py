"""Deciding claims for the least money: ``claims plan`` before a run, ``run --until-decided`` during one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer

from horizonbench.cli.app import err, out
from horizonbench.cli.results import claims_app
from horizonbench.errors import ConfigError
from horizonbench.scoring.multiplicity import parse_correction

UntilDecidedOpt = typer.Option(
    None,
    "--until-decided",
    help="A claims.toml: run attempts in rounds and stop once every pass_rate/within claim is decided "
    "(--attempts is the maximum).",
)
AlphaOpt = typer.Option(0.05, "--alpha", help="With --until-decided: the chance of any wrong verdict.")
SeqCorrectionOpt = typer.Option(
    "bonferroni", "--correction", help="With --until-decided: correction across claims, none or bonferroni."
)


@claims_app.command("plan")
def claims_plan(
    claims: Path = typer.Argument(..., help="A claims.toml file."),
    pilot: list[Path] = typer.Option([], "--pilot", help="Pilot run directories (repeatable); priors without one."),
    budget_usd: float | None = typer.Option(None, "--budget-usd", help="Mark designs that cost more as over budget."),
    power: float = typer.Option(0.8, "--power", help="Wanted chance of a decisive verdict."),
    suite: list[Path] = typer.Option([], "--suite", help="Suite folders: their task counts are designs tried."),
    tasks: list[int] = typer.Option([], "--tasks", help="Task counts to try (repeatable)."),
    attempts: list[int] = typer.Option([], "--attempts", "-k", help="Attempt counts to try (default 1 2 3 5 8)."),
    correction: str = typer.Option("none", "--correction", help="Correction across claims: none or bonferroni."),
    models_file: Path | None = typer.Option(None, "--models", help="A models.toml with prices to use."),
    prior_rate: float = typer.Option(0.5, "--prior-rate", help="Without a pilot: assumed pass rate."),
    prior_spread: float = typer.Option(0.2, "--prior-spread", help="Without a pilot: sd of per-task rates."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the plan here (Markdown)."),
) -> None:
    """Per claim: MDE, P(decisive) and expected cost of each tasks x attempts design; the cheapest reaching --power."""
    from horizonbench.results import load
    from horizonbench.scoring import load_claims
    from horizonbench.scoring.planning import DEFAULT_ATTEMPTS, Prior, plan_claims, plans_to_markdown
    from horizonbench.tasks.loader import load_tasks

    if not 0 < power < 1:
        raise ConfigError(f"--power must be between 0 and 1, got {power}")
    parsed = load_claims(claims)
    sizes: dict[str, int] = {}
    if suite:
        for task in load_tasks(suite)[0]:
            sizes[task.suite] = sizes.get(task.suite, 0) + 1
    plans = plan_claims(
        parsed,
        load(pilot) if pilot else None,
        power=power,
        budget_usd=budget_usd,
        correction=parse_correction(correction),
        tasks=tasks or None,
        attempts=attempts or DEFAULT_ATTEMPTS,
        suite_sizes=sizes or None,
        prior=Prior(rate=prior_rate, spread=prior_spread),
        models_file=models_file,
    )
    text = plans_to_markdown(
        plans, power=power, confidence=0.95, correction=parse_correction(correction), n_claims=len(parsed.claims)
    )
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    if markdown is not None:
        markdown.write_text(text, encoding="utf-8")


def run_until_decided_cli(
    tasks: list[Any], suites: list[Any], opts: Any, executor: Any, claims: Path, alpha: float, correction: str
) -> None:
    """``run --until-decided``: rounds until decided, a line per round, the verdicts at the end."""
    from horizonbench.scoring import load_claims
    from horizonbench.workflows.until_decided import run_until_decided

    parsed = load_claims(claims)

    def on_round(r: int, verdicts: list[Any], summary: Any) -> None:
        decided = [f"{v.claim_id} {v.verdict}" for v in verdicts if v.decided()]
        open_ = [v.claim_id for v in verdicts if v.verdict == "undecided"]
        err.print(
            f"round {r}/{opts.attempts}: {summary.total} trials; decided: {', '.join(decided) or 'none'}; "
            f"undecided: {', '.join(open_) or 'none'}",
            highlight=False,
            soft_wrap=True,
        )

    result = asyncio.run(
        run_until_decided(
            tasks,
            suites,
            opts,
            parsed,
            alpha=alpha,
            correction=parse_correction(correction),
            executor=executor,
            on_round=on_round,
        )
    )
    out.print(result.last.line(), highlight=False, soft_wrap=True)
    out.print(result.to_markdown(), markup=False, highlight=False, soft_wrap=True)
