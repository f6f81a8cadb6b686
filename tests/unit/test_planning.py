"""Planning a claim check: the planned design reaches its stated power when checked for real,
and the plan's table, costs and recommendation follow from the pilot."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from horizonbench.scoring import check_claims
from horizonbench.scoring.claims_file import ClaimsFile
from horizonbench.scoring.planning import Prior, plan_claims, plans_to_markdown

VALUE = 0.4


def trials(rates: np.ndarray, attempts: int, rng: np.random.Generator, model: str = "x") -> pd.DataFrame:
    """A results frame: task i passes each attempt with probability ``rates[i]``."""
    n = len(rates)
    passed = rng.random((n, attempts)) < rates[:, None]
    task = np.repeat([f"t{i}" for i in range(n)], attempts)
    return pd.DataFrame(
        {
            "task": task,
            "family": task,
            "suite": "s",
            "agent": "openai",
            "model": model,
            "attempt": np.tile(np.arange(attempts), n),
            "status": np.where(passed.ravel(), "passed", "failed"),
            "cost_usd": 0.02,
            "input_tokens": 10_000.0,
            "cached_input_tokens": 0.0,
            "output_tokens": 1_000.0,
            "expert_minutes": 5.0,
        }
    )


def claims(*tables: dict[str, object]) -> ClaimsFile:
    return ClaimsFile.model_validate({"schema_version": 1, "claim": list(tables)})


PASS_RATE = {
    "id": "x-40",
    "text": "x solves 40%",
    "kind": "pass_rate",
    "subject": {"model": "x"},
    "op": ">=",
    "value": VALUE,
}


def test_a_true_effect_at_the_mde_is_detected_with_the_planned_power() -> None:
    """500 simulated checks by ``check_claims`` itself, with the truth at the plan's MDE."""
    rng = np.random.default_rng(7)
    population = rng.beta(4, 4, size=4000)  # true per-task rates, mean about 0.5, sd about 0.17
    pilot = trials(population[:300], 3, rng)
    (plan,) = plan_claims(claims(PASS_RATE), pilot, tasks=[40], attempts=[2], power=0.8, n_sim=2000, seed=1)
    (design,) = plan.designs
    assert 5 < design.mde < 30
    truth = np.clip(population + (VALUE + design.mde / 100 - population.mean()), 0, 1)
    supported = 0
    for _ in range(500):
        tasks = rng.choice(truth, size=40, replace=True)
        (verdict,) = check_claims(claims(PASS_RATE), trials(tasks, 2, rng))
        supported += verdict.verdict == "supported"
    assert abs(supported / 500 - 0.8) <= 0.05, supported / 500


def test_the_plan_recommends_the_cheapest_design_that_reaches_the_power() -> None:
    rng = np.random.default_rng(3)
    pilot = pd.concat([trials(rng.beta(6, 3, 30), 2, rng, "x"), trials(rng.beta(5, 3, 30), 2, rng, "z")])
    within = {
        "id": "x-near-z",
        "text": "x within 10 points of z",
        "kind": "within",
        "subject": {"model": "x"},
        "reference": {"model": "z"},
        "points": 10,
    }
    horizon = {"id": "h", "text": "", "kind": "horizon", "subject": {"model": "x"}, "op": ">=", "value": 30}
    plans = plan_claims(claims(PASS_RATE, within, horizon), pilot, tasks=[30, 120], attempts=[1, 3], n_sim=400)
    rate, near, hz = plans
    assert [(d.tasks, d.attempts) for d in rate.designs] == [(30, 1), (30, 3), (120, 1), (120, 3)]
    # The pilot's costs: $0.02 a trial for each model (not in models.toml).
    assert rate.designs[1].cost_usd == pytest.approx(30 * 3 * 0.02)
    assert near.designs[0].trials == 60 and near.designs[0].cost_usd == pytest.approx(60 * 0.02)
    for plan in (rate, near):
        ok = [d for d in plan.designs if d.p_decisive >= 0.8]
        if ok:
            assert plan.recommended == min(ok, key=lambda d: d.cost_usd)
        # More tasks or more attempts never make the detectable effect larger.
        mdes = {(d.tasks, d.attempts): d.mde for d in plan.designs if not math.isnan(d.mde)}
        if (30, 1) in mdes and (120, 3) in mdes:
            assert mdes[(120, 3)] < mdes[(30, 1)]
    assert hz.designs == [] and "not planned" in hz.note
    text = plans_to_markdown(plans, power=0.8, confidence=0.95, correction="bonferroni", n_claims=3)
    assert "| 120 x 3 | 360 |" in text and "Bonferroni across the 3 claims" in text


def test_budget_and_priors_without_a_pilot(tmp_path: Path) -> None:
    models = tmp_path / "models.toml"
    models.write_text(
        'schema_version = "1"\n[[model]]\nname = "x"\nprovider = "openai"\nbase_url = "http://127.0.0.1:1/v1"\n'
        "price = { input = 1.0, output = 10.0 }\n"
    )
    prior = Prior(rate=0.6, spread=0.15, input_tokens=100_000, output_tokens=10_000)
    (plan,) = plan_claims(
        claims(PASS_RATE), None, attempts=[1, 2], budget_usd=6.0, prior=prior, models_file=models, n_sim=400
    )
    # No pilot and no suite: the default task counts; a trial costs 0.1 M x $1 + 0.01 M x $10 = $0.20.
    assert {d.tasks for d in plan.designs} == {20, 50, 100}
    cost = {(d.tasks, d.attempts): d.cost_usd for d in plan.designs}
    assert cost[(20, 1)] == pytest.approx(4.0) and cost[(50, 1)] == pytest.approx(10.0)
    assert [d.within_budget for d in plan.designs if d.tasks == 20] == [True, False]
    assert plan.recommended is None or plan.recommended.cost_usd <= 6.0
    assert "prior tokens at x's list price" in plan.note
