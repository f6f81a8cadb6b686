"""The trials table of one run: filters, sorting and pages, from a page's query parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from horizonbench.view.runs import FLAG_SEP

PAGE_SIZE = 50

SORTS: dict[str, str] = {
    "trial": "trial_id",
    "cost": "cost_usd",
    "steps": "steps",
    "tokens": "tokens",
    "time": "total_s",
    "reward": "reward",
}
"""Sort key in a URL -> the column sorted on (``tokens`` is input plus output tokens)."""

FILTERS = ("status", "task", "agent", "model", "flag", "limit")
"""Query parameters that filter the table, each an exact match on its column (``flag``: one of
the trial's flags; ``limit``: the budget limit hit, ``any`` for any)."""


@dataclass(frozen=True)
class TrialQuery:
    """What a trials page shows: filters, sort order and page."""

    status: str = ""
    task: str = ""
    agent: str = ""
    model: str = ""
    flag: str = ""
    limit: str = ""
    sort: str = "trial"
    desc: bool = False
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> TrialQuery:
        """The query of a page's parameters; unknown or malformed values fall back to defaults."""
        values: dict[str, Any] = {name: str(params.get(name, "")).strip() for name in FILTERS}
        sort = str(params.get("sort", "trial"))
        values["sort"] = sort if sort in SORTS else "trial"
        values["desc"] = str(params.get("order", "")) == "desc"
        try:
            values["page"] = max(1, int(str(params.get("page", "1"))))
        except ValueError:
            values["page"] = 1
        return cls(**values)

    def params(self, **changes: Any) -> dict[str, str]:
        """The query parameters of this query with ``changes``, defaults left out."""
        q = replace(self, **changes)
        out = {name: getattr(q, name) for name in FILTERS if getattr(q, name)}
        if q.sort != "trial":
            out["sort"] = q.sort
        if q.desc:
            out["order"] = "desc"
        if q.page != 1:
            out["page"] = str(q.page)
        return out

    @property
    def filtered(self) -> bool:
        return any(getattr(self, name) for name in FILTERS)


@dataclass(frozen=True)
class TablePage:
    """One page of the filtered, sorted trials table."""

    rows: pd.DataFrame
    total: int
    """Trials matching the filters."""
    page: int
    pages: int


def select(df: pd.DataFrame, query: TrialQuery, page_size: int = PAGE_SIZE) -> TablePage:
    """The page of ``df`` (a :func:`~horizonbench.view.runs.read_table` frame) that ``query`` asks for.

    Only the matching rows' sort column is sorted (argsort on a NumPy array), and only the
    rows of the page are copied out: a page of a 100,000-trial run takes milliseconds.
    """
    mask = pd.Series(True, index=df.index)
    for name in ("status", "task", "agent", "model"):
        value = getattr(query, name)
        if value:
            mask &= df[name].astype(str) == value
    if query.flag:
        mask &= df["flags"].str.contains(FLAG_SEP + query.flag + FLAG_SEP, regex=False)
    if query.limit:
        limit = df["limit"].astype(str)
        hit = df["limit"].notna() & ~limit.isin(["", "None", "nan", "<NA>"])
        mask &= hit if query.limit == "any" else limit == query.limit
    matching = df.index[mask.to_numpy()]
    total = len(matching)
    pages = max(1, math.ceil(total / page_size))
    page = min(query.page, pages)
    column = SORTS[query.sort]
    if column == "tokens":
        values = (df["input_tokens"].fillna(0) + df["output_tokens"].fillna(0)).to_numpy()[mask.to_numpy()]
    else:
        values = df[column].to_numpy()[mask.to_numpy()]
    order = _order(values, descending=query.desc)
    chosen = matching[order[(page - 1) * page_size : page * page_size]]
    return TablePage(rows=df.loc[chosen], total=total, page=page, pages=pages)


def _order(values: Any, *, descending: bool) -> Any:
    """Positions sorting ``values``; missing values last in either direction, ties in row order."""
    s = pd.Series(values)
    return s.sort_values(ascending=not descending, kind="stable", na_position="last").index.to_numpy()


def choices(df: pd.DataFrame) -> dict[str, list[str]]:
    """The values each filter can take in ``df`` (for the filter form's menus)."""
    flags = sorted({f for joined in df["flags"].unique() for f in str(joined).split(FLAG_SEP) if f})
    limits = sorted({str(v) for v in df["limit"].dropna().unique() if str(v) not in ("", "None", "nan", "<NA>")})
    return {
        "status": [s for s in ("passed", "failed", "error") if (df["status"] == s).any()],
        "task": sorted(df["task"].astype(str).unique()),
        "agent": sorted(df["agent"].astype(str).unique()),
        "model": sorted(str(v) for v in df["model"].dropna().unique() if str(v) not in ("None", "nan")),
        "flag": flags,
        "limit": limits,
    }
