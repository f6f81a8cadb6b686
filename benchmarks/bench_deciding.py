"""The operating characteristics of planning and of stopping when decided, by simulation.

- ``power``: a pilot of 300 tasks x 3 attempts drawn from a population of per-task rates;
  ``plan_claims`` gives the MDE of a 40 x 2 design for ``pass_rate >= 0.4``; then 500
  checks by ``check_claims`` itself with the truth at that MDE: the share supported should
  be the planned power (0.8).
- ``null``: 500 simulated until-decided runs of 10 tasks and 20 rounds with the truth on
  the claim's boundary, stopping at the first decisive round: the false-verdict rate of the
  betting confidence sequence, and of a fixed-sample Wald interval looked at every round.
- ``saving``: the same with the truth at 0.8 against a claim of 0.5 and a maximum of 12
  rounds: mean rounds to a verdict, and trials saved against the fixed 12-round design.

    .venv/bin/python benchmarks/bench_deciding.py [--sims 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from horizonbench.scoring import check_claims
from horizonbench.scoring.claims_file import ClaimsFile
from horizonbench.scoring.planning import plan_claims
from horizonbench.scoring.sequential import betting_cs

ALPHA = 0.05


def frame(rates: np.ndarray, attempts: int, rng: np.random.Generator) -> pd.DataFrame:
    n = len(rates)
    passed = rng.random((n, attempts)) < rates[:, None]
    task = np.repeat([f"t{i}" for i in range(n)], attempts)
    status = np.where(passed.ravel(), "passed", "failed")
    return pd.DataFrame({"task": task, "family": task, "model": "x", "status": status, "cost_usd": 0.02})


def power(sims: int, rng: np.random.Generator) -> dict[str, float]:
    claims = ClaimsFile.model_validate(
        {
            "schema_version": 1,
            "claim": [
                {"id": "c", "text": "", "kind": "pass_rate", "subject": {"model": "x"}, "op": ">=", "value": 0.4}
            ],
        }
    )
    population = rng.beta(4, 4, size=4000)
    (plan,) = plan_claims(claims, frame(population[:300], 3, rng), tasks=[40], attempts=[2], n_sim=2000)
    mde = plan.designs[0].mde
    truth = np.clip(population + (0.4 + mde / 100 - population.mean()), 0, 1)
    hits = sum(
        check_claims(claims, frame(rng.choice(truth, 40), 2, rng))[0].verdict == "supported" for _ in range(sims)
    )
    return {"design": "40 tasks x 2 attempts", "mde_points": round(mde, 2), "planned": 0.8, "achieved": hits / sims}


def runs(truth: float, sims: int, tasks: int, rounds: int, rng: np.random.Generator) -> np.ndarray:
    raw = rng.beta(3, 3, size=(sims, tasks))
    rates = np.clip(raw - raw.mean(axis=1, keepdims=True) + truth, 0, 1)
    return (rng.random((sims, rounds, tasks)) < rates[:, None, :]).astype(float)


def null(sims: int, rng: np.random.Generator) -> dict[str, float]:
    value, tasks, rounds = 0.5, 10, 20
    x = runs(value, sims, tasks, rounds, rng)
    low, high = betting_cs(x, ALPHA)
    sequential = float(np.mean(((low > value) | (high < value)).any(axis=1)))
    n = np.arange(1, rounds + 1) * tasks
    mean = np.cumsum(x.sum(axis=2), axis=1) / n
    half = 1.96 * np.sqrt(mean * (1 - mean) / n)
    peeking = float(np.mean(((mean - half > value) | (mean + half < value)).any(axis=1)))
    return {"alpha": ALPHA, "rounds": rounds, "sequential_false_rate": sequential, "fixed_interval_peeking": peeking}


def saving(sims: int, rng: np.random.Generator) -> dict[str, float]:
    tasks, rounds = 10, 12
    x = runs(0.8, sims, tasks, rounds, rng)
    low, _ = betting_cs(x, ALPHA)
    decided = low > 0.5
    stop = np.where(decided.any(axis=1), decided.argmax(axis=1) + 1, rounds)
    return {
        "truth": 0.8,
        "claim": ">= 0.5",
        "max_rounds": rounds,
        "decided_share": float(decided.any(axis=1).mean()),
        "mean_rounds": float(stop.mean()),
        "trials_saved": float(1 - stop.mean() / rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    result = {"power": power(args.sims, rng), "null": null(args.sims, rng), "saving": saving(args.sims, rng)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
