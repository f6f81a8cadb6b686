"""Group tables: counts, pass@1 with its interval, cost and tokens, per group of trials.

Errors stay apart from failures in every row: ``passed + failed`` trials feed the rate,
``errors`` are counted beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from horizonbench.scoring._frame import MINUTE_BUCKETS, UNKNOWN, bucket_labels, require, task_keys
from horizonbench.scoring.metrics import CLUSTER_T, pass_at_1

UNTAGGED = "(untagged)"

SUMMARY_COLUMNS = (
    "n_tasks",
    "n_trials",
    "passed",
    "failed",
    "errors",
    "pass_at_1",
    "low",
    "high",
    "se",
    "ci_method",
    "mean_cost_usd",
    "mean_input_tokens",
    "mean_cached_input_tokens",
    "mean_output_tokens",
)


def summarize(
    df: pd.DataFrame, by: Sequence[str] = (), confidence: float = 0.95, interval: str = CLUSTER_T
) -> pd.DataFrame:
    """One row per group of ``by`` columns (one row overall when ``by`` is empty).

    Columns: the ``by`` columns, then ``n_tasks`` (distinct tasks, errors included),
    ``n_trials`` (all trials), ``passed``, ``failed``, ``errors``, ``pass_at_1`` with
    ``low``/``high``/``se``/``ci_method`` from :func:`pass_at_1`, and the mean cost and
    tokens per non-error trial (NaN where a column is missing). Missing group values
    read ``unknown``.

    Raises:
        ScoringInputError: ``task``, ``status`` or a ``by`` column is missing, or a status is unknown.
    """
    by = list(by)
    require(df, by, "a summary table")
    if not by:
        return pd.DataFrame([_summary_row(df, confidence, interval)], columns=list(SUMMARY_COLUMNS))
    keyed = df.copy()
    for column in by:
        keyed[column] = keyed[column].astype(object).where(keyed[column].notna(), UNKNOWN)
    rows = []
    for key, group in keyed.groupby(by, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, values, strict=True)), **_summary_row(group, confidence, interval)})
    return pd.DataFrame(rows, columns=[*by, *SUMMARY_COLUMNS])


def by_difficulty(
    df: pd.DataFrame, by: Sequence[str] = (), confidence: float = 0.95, interval: str = CLUSTER_T
) -> pd.DataFrame:
    """:func:`summarize` per ``difficulty`` (``unknown`` where none is set), after any ``by`` columns.

    Raises:
        ScoringInputError: ``difficulty`` or another needed column is missing.
    """
    require(df, ["difficulty"], "a table by difficulty")
    return summarize(df, [*by, "difficulty"], confidence, interval)


def by_horizon_bucket(
    df: pd.DataFrame, by: Sequence[str] = (), confidence: float = 0.95, interval: str = CLUSTER_T
) -> pd.DataFrame:
    """:func:`summarize` per expert-time bucket (``<4 min`` … ``>=240 min``, then ``unknown``).

    Buckets include their lower bound: 15 minutes falls in ``15-60 min``. Only buckets with
    trials appear, in order of length.

    Raises:
        ScoringInputError: ``expert_minutes`` or another needed column is missing.
    """
    require(df, ["expert_minutes"], "a table by horizon bucket")
    bucketed = df.assign(horizon_bucket=bucket_labels(df["expert_minutes"], MINUTE_BUCKETS))
    table = summarize(bucketed, [*by, "horizon_bucket"], confidence, interval)
    order = {label: i for i, (_, _, label) in enumerate(MINUTE_BUCKETS)}
    rank = table["horizon_bucket"].map(lambda b: order.get(b, len(order)))
    keys = [*by, "_rank"] if by else ["_rank"]
    return table.assign(_rank=rank).sort_values(keys, kind="stable").drop(columns="_rank").reset_index(drop=True)


def by_tag(
    df: pd.DataFrame, by: Sequence[str] = (), confidence: float = 0.95, interval: str = CLUSTER_T
) -> pd.DataFrame:
    """:func:`summarize` per tag; a trial counts once under each of its task's tags.

    Tasks without tags are grouped under ``(untagged)``.

    Raises:
        ScoringInputError: ``tags`` or another needed column is missing.
    """
    require(df, ["tags"], "a table by tag")
    tagged = df.assign(tag=df["tags"].map(_tag_list)).explode("tag")
    return summarize(tagged, [*by, "tag"], confidence, interval)


def _summary_row(group: pd.DataFrame, confidence: float, interval: str) -> dict[str, object]:
    rate = pass_at_1(group, confidence, interval)
    status = group["status"]
    ok = group.loc[status != "error"]
    return {
        "n_tasks": int(task_keys(group).nunique()),
        "n_trials": len(group),
        "passed": int((status == "passed").sum()),
        "failed": int((status == "failed").sum()),
        "errors": int((status == "error").sum()),
        "pass_at_1": rate.estimate,
        "low": rate.low,
        "high": rate.high,
        "se": rate.se,
        "ci_method": rate.method_label,
        "mean_cost_usd": _mean(ok, "cost_usd"),
        "mean_input_tokens": _mean(ok, "input_tokens"),
        "mean_cached_input_tokens": _mean(ok, "cached_input_tokens"),
        "mean_output_tokens": _mean(ok, "output_tokens"),
    }


def _mean(df: pd.DataFrame, column: str) -> float:
    if column not in df.columns or df.empty:
        return float("nan")
    return float(pd.to_numeric(df[column], errors="coerce").mean())


def _tag_list(tags: object) -> list[str]:
    if isinstance(tags, str):
        values = [tags]
    elif isinstance(tags, list | tuple | set | np.ndarray | pd.Series):
        values = [str(t) for t in tags if t is not None and str(t)]
    else:
        values = []
    return values or [UNTAGGED]
