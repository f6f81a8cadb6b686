"""The viewer's pages as a static site: the runs page, every trial, each status's pages of the
trials table, and each comparison, written as HTML files that open from ``file://``."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from horizonbench.errors import RunError
from horizonbench.view.pages import Links, Pages, static_trials_name
from horizonbench.view.runs import Run
from horizonbench.view.summary import compare_two
from horizonbench.view.table import PAGE_SIZE, TrialQuery


def _links(depth: int) -> Links:
    return Links(root="../" * depth, static=True)


def _write(path: Path, html: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None


def export_site(runs: list[Run], out: Path) -> int:
    """Write the site of ``runs`` into ``out``; returns the number of pages written.

    Raises:
        RunError: a file cannot be written, or a run cannot be read.
    """
    pages = Pages(runs)
    out = Path(out)
    _write(out / "index.html", pages.runs_page(_links(0)))
    written = 1
    for run in runs:
        df = run.table()
        for status in ("", "passed", "failed", "error"):
            n = int((df["status"] == status).sum()) if status else len(df)
            for page in range(1, max(1, math.ceil(n / PAGE_SIZE)) + 1):
                query = TrialQuery(status=status, page=page)
                name = static_trials_name(query.params())
                _write(out / "runs" / run.key / name, pages.trials_page(run.key, query, _links(2)))
                written += 1
        for trial_id in df["trial_id"].astype(str):
            path = out / "runs" / run.key / "trials" / f"{trial_id}.html"
            _write(path, pages.trial_page(run.key, trial_id, _links(3)))
            written += 1
    for base, candidate in itertools.combinations(runs, 2):
        _write(
            out / "compare" / base.key / f"{candidate.key}.html", pages.compare_page(base.key, candidate.key, _links(2))
        )
        written += 1
        _, pairs = compare_two(base, candidate)
        for p in pairs:
            if p.base_trial and p.candidate_trial:
                path = out / "compare" / base.key / candidate.key / p.base_trial / f"{p.candidate_trial}.html"
                _write(path, pages.pair_page(base.key, candidate.key, p.base_trial, p.candidate_trial, _links(4)))
                written += 1
    return written
