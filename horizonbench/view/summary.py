"""Figures of the runs page and the comparison page, from the scoring functions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from horizonbench.scoring import Comparison, CostSummary, PassRate, compare, cost_summary, pass_at_1
from horizonbench.view.runs import Run


@dataclass(frozen=True)
class GroupFigures:
    """One agent and model of a run (or the whole run): counts, pass@1 and cost."""

    label: str
    agent: str
    model: str
    passed: int
    failed: int
    errors: int
    rate: PassRate
    cost: CostSummary

    @property
    def trials(self) -> int:
        return self.passed + self.failed + self.errors


def figures(df: pd.DataFrame, label: str, agent: str = "", model: str = "") -> GroupFigures:
    counts = df["status"].value_counts()
    return GroupFigures(
        label=label,
        agent=agent,
        model=model,
        passed=int(counts.get("passed", 0)),
        failed=int(counts.get("failed", 0)),
        errors=int(counts.get("error", 0)),
        rate=pass_at_1(df),
        cost=cost_summary(df),
    )


SCORED = (
    "suite",
    "task",
    "family",
    "agent",
    "model",
    "status",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "cost_usd",
)
"""The table's columns the figures read (a narrow frame: scoring copies and regroups it often)."""


def run_figures(run: Run) -> list[GroupFigures]:
    """The run as a whole, then each agent and model of it (when there is more than one);
    computed once per version of the run's table."""
    result: list[GroupFigures] = run.derived("figures", _figures)
    return result


def _figures(table: pd.DataFrame) -> list[GroupFigures]:
    df = table.loc[:, [c for c in SCORED if c in table.columns]]
    groups = []
    for (agent, model), group in df.groupby(["agent", df["model"].fillna("")], sort=True, dropna=False):
        name = "" if model == "None" else str(model)  # a missing model reads "None" in the index
        groups.append(figures(group, f"{agent} / {name}" if name else str(agent), str(agent), name))
    return groups if len(groups) == 1 else [figures(df, "all trials"), *groups]


@dataclass(frozen=True)
class TaskPair:
    """A common task of two runs: its rates on each side and a trial of each to open."""

    key: str
    task: str
    base_rate: float
    candidate_rate: float
    diff: float
    base_trial: str
    candidate_trial: str


def compare_two(base: Run, candidate: Run) -> tuple[Comparison, list[TaskPair]]:
    """The paired comparison of two runs and their common tasks, those that differ first."""
    a, b = base.table(), candidate.table()
    result = compare(a, b, base_label=base.key, candidate_label=candidate.key)
    first_a = _first_trials(a)
    first_b = _first_trials(b)
    pairs = []
    for key, row in result.per_task.iterrows():
        pairs.append(
            TaskPair(
                key=str(key),
                task=str(key).split("/", 1)[-1],
                base_rate=float(row["base_rate"]),
                candidate_rate=float(row["candidate_rate"]),
                diff=float(row["diff"]),
                base_trial=first_a.get(str(key), ""),
                candidate_trial=first_b.get(str(key), ""),
            )
        )
    pairs.sort(key=lambda p: (p.diff == 0, p.diff, p.key))
    return result, pairs


def _first_trials(df: pd.DataFrame) -> dict[str, str]:
    """Task key -> the trial to show for it: the first non-error attempt, else the first."""
    ordered = df.assign(_err=df["status"] == "error").sort_values(["key", "_err", "attempt", "trial_id"])
    first = ordered.drop_duplicates("key")
    return dict(zip(first["key"].astype(str), first["trial_id"].astype(str), strict=True))
