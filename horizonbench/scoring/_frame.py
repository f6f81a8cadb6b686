"""The results frame every scoring function reads: column checks, task keys, per-task counts.

A results frame has one row per trial. Only ``task`` and ``status`` are needed everywhere;
each function names the other columns it reads and raises :class:`ScoringInputError` when
one is missing. Task and family keys are qualified by ``suite`` when that column exists, so
two suites that both have a task called ``hello`` are never pooled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from horizonbench.errors import HorizonError

STATUSES = ("passed", "failed", "error")

MINUTE_BUCKETS: tuple[tuple[float, float, str], ...] = (
    (0.0, 4.0, "<4 min"),
    (4.0, 15.0, "4-15 min"),
    (15.0, 60.0, "15-60 min"),
    (60.0, 240.0, "60-240 min"),
    (240.0, math.inf, ">=240 min"),
)
"""Expert-time buckets: (lower bound inclusive, upper bound exclusive, label)."""

STEP_BUCKETS: tuple[tuple[float, float, str], ...] = (
    (0.0, 10.0, "<10 steps"),
    (10.0, 30.0, "10-30 steps"),
    (30.0, 100.0, "30-100 steps"),
    (100.0, 300.0, "100-300 steps"),
    (300.0, math.inf, ">=300 steps"),
)
"""Agent-step buckets: (lower bound inclusive, upper bound exclusive, label)."""

UNKNOWN = "unknown"


class ScoringInputError(HorizonError):
    """A results frame or a scoring option cannot be scored; the message names the column or option."""


def require(df: pd.DataFrame, columns: Iterable[str], purpose: str) -> None:
    """Check that ``df`` has ``columns`` and that its statuses are known.

    Raises:
        ScoringInputError: a column is missing, or ``status`` holds an unknown value.
    """
    needed = ["task", "status", *columns]
    missing = [c for c in dict.fromkeys(needed) if c not in df.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise ScoringInputError(f"results frame: missing column(s) {names} needed for {purpose}")
    bad = set(df["status"].dropna().unique()) - set(STATUSES)
    if bad or df["status"].isna().any():
        shown = sorted(str(v) for v in bad) or ["<missing>"]
        raise ScoringInputError(
            f"results frame: column 'status': unexpected value {shown[0]!r} (expected passed, failed or error)"
        )


def task_keys(df: pd.DataFrame) -> pd.Series:
    """One key per row naming its task, ``suite/task`` when the frame has a suite column."""
    task = df["task"].astype(str)
    if "suite" in df.columns:
        return df["suite"].fillna("").astype(str) + "/" + task
    return task


def family_keys(df: pd.DataFrame) -> pd.Series:
    """One key per row naming its task family; the task itself where the family is unknown (missing or empty)."""
    if "family" in df.columns:
        known = df["family"].notna() & (df["family"].astype(str) != "")
        fam = df["family"].astype(object).where(known, df["task"]).astype(str)
    else:
        fam = df["task"].astype(str)
    if "suite" in df.columns:
        return df["suite"].fillna("").astype(str) + "/" + fam
    return fam


def scored(df: pd.DataFrame) -> pd.DataFrame:
    """The non-error trials with their task and family keys and a 0/1 ``success`` column."""
    out = df.loc[df["status"] != "error"].copy()
    out["_task"] = task_keys(out)
    out["_family"] = family_keys(out)
    out["success"] = (out["status"] == "passed").astype(float)
    return out


def per_task(df: pd.DataFrame) -> pd.DataFrame:
    """Per-task counts over non-error trials.

    Returns a frame indexed by task key with columns ``family``, ``n`` (non-error
    attempts), ``c`` (passed) and ``rate``. Tasks whose every trial was an error are absent.
    """
    s = scored(df)
    if s.empty:
        return pd.DataFrame(
            {
                "family": pd.Series(dtype=object),
                "n": pd.Series(dtype=int),
                "c": pd.Series(dtype=int),
                "rate": pd.Series(dtype=float),
            }
        )
    g = s.groupby("_task", sort=True)
    out = pd.DataFrame(
        {
            "family": g["_family"].first(),
            "n": g["success"].size().astype(int),
            "c": g["success"].sum().astype(int),
        }
    )
    out["rate"] = out["c"] / out["n"]
    out.index.name = "task"
    return out


def bucket_labels(values: pd.Series, buckets: tuple[tuple[float, float, str], ...]) -> pd.Series:
    """The bucket label of each value; ``unknown`` for missing or non-positive values."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    labels = np.full(len(v), UNKNOWN, dtype=object)
    for low, high, label in buckets:
        labels[(v >= low) & (v < high) & (v > 0)] = label
    return pd.Series(labels, index=values.index, dtype=object)


def select(
    df: pd.DataFrame,
    *,
    agent: str | None = None,
    model: str | None = None,
    suite: str | None = None,
    min_minutes: float | None = None,
    max_minutes: float | None = None,
) -> pd.DataFrame:
    """The rows matching every given filter (minutes: ``min <= expert_minutes < max``).

    Raises:
        ScoringInputError: a filter names a column the frame does not have.
    """
    mask = pd.Series(True, index=df.index)
    for column, value in (("agent", agent), ("model", model), ("suite", suite)):
        if value is None:
            continue
        if column not in df.columns:
            raise ScoringInputError(f"results frame: missing column {column!r} needed to select {column}={value!r}")
        mask &= df[column] == value
    if min_minutes is not None or max_minutes is not None:
        if "expert_minutes" not in df.columns:
            raise ScoringInputError("results frame: missing column 'expert_minutes' needed for a length filter")
        minutes = pd.to_numeric(df["expert_minutes"], errors="coerce")
        if min_minutes is not None:
            mask &= minutes >= min_minutes
        if max_minutes is not None:
            mask &= minutes < max_minutes
    return df.loc[mask]
