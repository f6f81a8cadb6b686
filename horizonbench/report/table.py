"""A report's table: titled text cells, and how figures are written into them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from horizonbench.scoring import PassRate


@dataclass(frozen=True)
class Table:
    """A titled table of text cells, rendered as Markdown or HTML."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    anchor: str = ""


def interval_cell(estimate: float | None, low: float, high: float) -> str:
    """``41.0% [30.2%, 52.4%]``, or ``–`` for an undefined estimate."""
    if estimate is None or math.isnan(estimate):
        return "–"
    return f"{estimate:.1%} [{low:.1%}, {high:.1%}]"


def rate_cell(rate: PassRate) -> str:
    return interval_cell(rate.estimate, rate.low, rate.high)
