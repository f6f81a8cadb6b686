"""Sequential verdicts: the false-verdict rate under the null stays at or under alpha when
stopping after every round, a large effect stops early and spends less than the fixed
design, and the verdict on a results frame names the round it was reached at."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horizonbench.scoring.claims_file import ClaimsFile
from horizonbench.scoring.sequential import betting_cs, monitor_claims

ALPHA = 0.05
SIMS = 500
TASKS = 10
ROUNDS = 20


def rounds(rates: np.ndarray, n_rounds: int, rng: np.random.Generator) -> np.ndarray:
    """(sims, rounds, tasks) 0/1 outcomes: task i of a simulation passes with ``rates[.., i]`` each round."""
    return (rng.random((rates.shape[0], n_rounds, rates.shape[1])) < rates[:, None, :]).astype(float)


def task_rates(mean: float, rng: np.random.Generator) -> np.ndarray:
    """(sims, tasks) true per-task rates with a task-set mean of exactly ``mean``."""
    raw = rng.beta(3, 3, size=(SIMS, TASKS))
    return np.clip(raw - raw.mean(axis=1, keepdims=True) + mean, 0, 1)


def test_under_the_null_stopping_after_every_round_keeps_false_verdicts_at_or_under_alpha() -> None:
    rng = np.random.default_rng(11)
    value = 0.5
    rates = task_rates(value, rng)
    rates = rates - rates.mean(axis=1, keepdims=True) + value  # clipping moved some means: restore exactly
    x = rounds(rates, ROUNDS, rng)
    low, high = betting_cs(x, ALPHA)
    # Any verdict at the boundary is wrong; a run stopping at the first decisive round makes one
    # exactly when some round's sequence excludes the true value.
    false_sequential = np.mean(((low > value) | (high < value)).any(axis=1))
    assert false_sequential <= ALPHA, false_sequential
    # The fixed-sample interval looked at after every round is what this replaces: it errs more.
    n = np.arange(1, ROUNDS + 1) * TASKS
    mean = np.cumsum(x.sum(axis=2), axis=1) / n
    half = 1.96 * np.sqrt(mean * (1 - mean) / n)
    peeking = ((mean - half > value) | (mean + half < value))[:, 1:].any(axis=1).mean()
    assert peeking > ALPHA


def test_a_large_effect_stops_early_and_spends_less_than_the_fixed_design() -> None:
    rng = np.random.default_rng(5)
    value, truth, max_rounds = 0.5, 0.8, 12
    x = rounds(task_rates(truth, rng), max_rounds, rng)
    low, _ = betting_cs(x, ALPHA)
    decided = low > value
    stop = np.where(decided.any(axis=1), decided.argmax(axis=1) + 1, max_rounds)
    assert decided.any(axis=1).mean() >= 0.95
    saving = 1 - stop.mean() / max_rounds
    assert saving >= 0.4, (stop.mean(), saving)


def test_the_sequence_covers_and_shrinks() -> None:
    rng = np.random.default_rng(2)
    x = rng.random((200, 50, 3)) * 0.4 + 0.3  # mean 0.5
    low, high = betting_cs(x, ALPHA)
    assert np.all(low[:, 1:] >= low[:, :-1]) and np.all(high[:, 1:] <= high[:, :-1])  # running intersection
    assert np.mean((low[:, -1] <= 0.5) & (high[:, -1] >= 0.5)) >= 0.95
    assert np.median(high[:, -1] - low[:, -1]) < 0.15


def frame(rates: dict[str, list[float]], n_rounds: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for model, per_task in rates.items():
        for r in range(n_rounds):
            for i, p in enumerate(per_task):
                status = "passed" if rng.random() < p else "failed"
                rows.append(
                    {"task": f"t{i}", "suite": "s", "agent": "a", "model": model, "attempt": r, "status": status}
                )
    return pd.DataFrame(rows)


def test_monitoring_a_frame_names_the_round_and_corrects_across_claims() -> None:
    rng = np.random.default_rng(0)
    df = frame({"good": [1.0, 1.0, 0.95, 1.0], "bad": [0.0, 0.05, 0.0, 0.0]}, 10, rng)
    file = ClaimsFile.model_validate(
        {
            "schema_version": 1,
            "claim": [
                {"id": "g", "text": "", "kind": "pass_rate", "subject": {"model": "good"}, "op": ">=", "value": 0.3},
                {"id": "b", "text": "", "kind": "pass_rate", "subject": {"model": "bad"}, "op": ">=", "value": 0.7},
                {
                    "id": "w",
                    "text": "",
                    "kind": "within",
                    "subject": {"model": "good"},
                    "reference": {"model": "bad"},
                    "points": 5,
                },
                {
                    "id": "c",
                    "text": "",
                    "kind": "cost_ratio",
                    "subject": {"model": "good"},
                    "reference": {"model": "bad"},
                    "ratio": 1,
                },
                {"id": "o", "text": "", "kind": "pass_rate", "subject": {"model": "other"}, "op": ">=", "value": 0.1},
            ],
        }
    )
    g, b, w, c, o = monitor_claims(file, df, alpha=ALPHA, correction="bonferroni")
    assert (g.verdict, b.verdict, w.verdict) == ("supported", "contradicted", "contradicted")
    assert g.decided_at_round is not None and 2 <= g.decided_at_round <= 10 and g.rounds == 10
    assert g.alpha == ALPHA / 3  # three claims are monitored: good, bad and within
    assert (c.verdict, o.verdict) == ("not monitored", "not monitored")
    # Fewer rounds decide less: after the first round nothing is known yet.
    first = monitor_claims(file, df[df["attempt"] == 0], alpha=ALPHA)
    assert all(v.verdict in ("undecided", "not monitored") for v in first)
