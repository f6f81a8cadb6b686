"""Report sections on contamination probes: tasks before and after a training cut-off, and
variants of tasks against their originals."""

from __future__ import annotations

import pandas as pd

from horizonbench.report.analysis import Analysis
from horizonbench.report.table import Table, interval_cell, rate_cell
from horizonbench.scoring import compare, pass_at_1


def freshness_table(analysis: Analysis, cutoff: str) -> Table:
    """pass@1 on tasks created on or before ``cutoff`` and after it, per agent and model: a model
    that does much worse on tasks it cannot have seen in training may have seen the others."""
    df = analysis.frame
    created = df["task_created"].fillna("") if "task_created" in df.columns else pd.Series("", index=df.index)
    rows = []
    for (agent, model), group in df.groupby(["agent", "model"], dropna=False, sort=True):
        dates = created.loc[group.index]
        before, after = group[(dates != "") & (dates <= cutoff)], group[dates > cutoff]
        cells = []
        for part in (before, after):
            rate = pass_at_1(part, analysis.confidence, analysis.interval) if len(part) else None
            cells.append(rate_cell(rate) if rate is not None and rate.n_tasks else "–")
            cells.append(str(part["task"].nunique()))
        rows.append([f"{agent} / {model}", *cells, str(int((dates == "").sum()))])
    headers = ["agent / model", "pass@1 before", "tasks", "pass@1 after", "tasks", "undated trials"]
    note = (
        f"Tasks created on or before {cutoff} (a stated training cut-off) and after it (metadata.created). "
        "A large drop after the cut-off is evidence the model saw the earlier tasks."
    )
    return Table(f"Before and after {cutoff}", headers, rows, note, "freshness")


def variants_table(analysis: Analysis) -> Table | None:
    """Pass rates on variants (``tasks variants``) against their originals, per agent and model, or
    None when the runs hold no variant: a model that reads the code does as well on both."""
    df = analysis.frame
    if "variant_of" not in df.columns or not df["variant_of"].fillna("").astype(bool).any():
        return None
    rows = []
    for (agent, model), group in df.groupby(["agent", "model"], dropna=False, sort=True):
        of = group["variant_of"].fillna("")
        variants = group[of != ""].assign(task=of[of != ""], suite="")  # paired by the original's name
        originals = group[(of == "") & group["task"].isin(set(of[of != ""]))].assign(suite="")
        if variants.empty or originals.empty:
            continue
        result = compare(originals, variants, n_bootstrap=200, confidence=analysis.confidence)
        rows.append(
            [
                f"{agent} / {model}",
                f"{result.base_rate:.1%}",
                f"{result.candidate_rate:.1%}",
                interval_cell(-result.diff, -result.diff_high, -result.diff_low),
                str(result.n_common),
            ]
        )
    note = (
        "Each variant renames its project's module in the code, the tests and the patch (tasks variants). "
        "The drop is original minus variant pass rate on the pairs run; a large one is evidence the model "
        "solved the originals from memory."
    )
    headers = ["agent / model", "originals", "variants", "drop [interval]", "pairs"]
    return Table("Originals and their variants", headers, rows, note, "variants")
