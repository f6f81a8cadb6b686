"""The one results DataFrame contract: its columns, their dtypes, and a frame made to fit them.

:mod:`horizonbench.results.frame` builds frames with these columns from result files;
scoring reads the :data:`SCORING_COLUMNS` of them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

TIMING_COLUMNS = ("image_s", "start_s", "agent_s", "collect_s", "verifier_s", "test_s", "total_s")
OUTCOME_INT_COLUMNS = (
    "steps",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "malformed_tool_calls",
    "retries",
)

COLUMNS: dict[str, str] = {
    "run_id": "str",
    "trial_id": "str",
    "suite": "str",
    "task": "str",
    "family": "str",
    "agent": "str",
    "model": "str",
    "attempt": "int64",
    "status": "str",
    "reward": "float64",
    "error": "str",
    "error_kind": "str",
    "detail": "str",
    "grader": "str",
    "mode": "str",
    "resolution": "str",
    "difficulty": "str",
    "tags": "object",
    "expert_minutes": "float64",
    "task_created": "str",
    "variant_of": "str",
    "horizon_steps": "float64",
    "milestones_passed": "int64",
    "milestones_total": "int64",
    "furthest_milestone": "int64",
    "outcome_status": "str",
    "limit": "str",
    **dict.fromkeys(OUTCOME_INT_COLUMNS, "float64"),
    "cost_usd": "float64",
    "infra_error": "boolean",
    **dict.fromkeys(TIMING_COLUMNS, "float64"),
    "started_at": "str",
    "finished_at": "str",
    "image": "str",
    "task_hash": "str",
    "flags": "object",
    "n_flags": "int64",
    "schema_version": "str",
}
"""Column name -> dtype of a loaded results frame. Token counts are floats so that trials
without an agent outcome (infrastructure errors) read NaN rather than 0."""

MTIME = "result_mtime_ns"
"""Column of a run's index (not of the loaded frame): the result file's modification time."""

LIST_COLUMNS = ("tags", "flags")

SCORING_COLUMNS = (
    "run_id",
    "suite",
    "task",
    "family",
    "agent",
    "model",
    "attempt",
    "status",
    "reward",
    "difficulty",
    "tags",
    "expert_minutes",
    "horizon_steps",
    "milestones_passed",
    "milestones_total",
    "furthest_milestone",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "cost_usd",
)
"""The columns the scoring functions read; see :func:`for_scoring`."""


def for_scoring(df: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``df`` that scoring reads (and any extra ones not from :data:`COLUMNS`).

    Scoring functions copy and regroup the rows they score many times over; on a large run,
    leaving out the two dozen descriptive columns (timings, images, messages) makes every
    table several times faster.
    """
    keep = [c for c in df.columns if c in SCORING_COLUMNS or c not in COLUMNS]
    return df.loc[:, keep]


def typed(df: pd.DataFrame, *, exported: bool) -> pd.DataFrame:
    """The frame with every known column present and of its dtype.

    Exports lose some dtypes (CSV keeps no lists, no missing strings apart from empty ones),
    so their list columns are parsed back; frames built from result files already hold lists.
    """
    for name, dtype in COLUMNS.items():
        if name not in df.columns:
            df[name] = _default_column(name, len(df))
        elif name in LIST_COLUMNS:
            if exported:
                df[name] = df[name].map(as_list)
        elif dtype == "str":
            df[name] = df[name].astype("str")
        elif dtype == "boolean":
            df[name] = df[name].astype("boolean")
        elif dtype == "int64":
            df[name] = pd.to_numeric(df[name], errors="coerce").fillna(-1 if name == "furthest_milestone" else 0)
            df[name] = df[name].astype("int64")
        else:
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
    for name in ("suite", "family", "detail"):
        df[name] = df[name].fillna("")
    return df


def _default_column(name: str, n: int) -> pd.Series:
    dtype = COLUMNS[name]
    if name in LIST_COLUMNS:
        return pd.Series([[] for _ in range(n)], dtype=object)
    if name == "furthest_milestone":
        return pd.Series([-1] * n, dtype="int64")
    if dtype == "int64":
        return pd.Series([0] * n, dtype="int64")
    if dtype == "float64":
        return pd.Series([math.nan] * n, dtype="float64")
    return pd.Series([None] * n, dtype="boolean" if dtype == "boolean" else "str")


def as_list(value: Any) -> list[str]:
    """A list column's value as a list of strings, from a list, an array, or a CSV cell of JSON."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                return [text]
            return [str(v) for v in parsed]
        return [text] if text else []
    if isinstance(value, Sequence) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        return [str(v) for v in items]
    return [str(value)]


_DTYPES: dict[str, str] = {}


def matches_contract(df: pd.DataFrame) -> bool:
    """``df`` has exactly the contract's columns, each of its dtype (so :func:`typed` has nothing to do)."""
    if not _DTYPES:
        _DTYPES.update({str(c): str(t) for c, t in typed(pd.DataFrame(), exported=False).dtypes.items()})
    have = {str(c): str(t) for c, t in df.dtypes.items() if c in COLUMNS}
    return have == {c: t for c, t in _DTYPES.items() if c in COLUMNS}
