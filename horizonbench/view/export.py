"""The viewer's pages as a static site: the runs page, every trial, each status's pages of the
trials table, and each comparison, written as HTML files that open from ``file://``."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from horizonbench.errors import RunError
from horizonbench.view.pages import Links, PageNotFound, Pages, static_trials_name
from horizonbench.view.runs import Run
from horizonbench.view.summary import compare_two
from horizonbench.view.table import PAGE_SIZE, TrialQuery

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
"""Called after each page with (pages written or skipped, pages in all)."""

Page = tuple[Path, Callable[[], str]]
"""Where a page goes (relative to the site) and how to render it."""


def _links(depth: int) -> Links:
    return Links(root="../" * depth, static=True)


def _write(path: Path, html: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None


def plan(pages: Pages, runs: list[Run]) -> Iterator[Page]:
    """Every page of the site of ``runs``."""
    yield Path("index.html"), partial(pages.runs_page, _links(0))
    for run in runs:
        df = run.table()
        for status in ("", "passed", "failed", "error"):
            n = int((df["status"] == status).sum()) if status else len(df)
            for number in range(1, max(1, math.ceil(n / PAGE_SIZE)) + 1):
                query = TrialQuery(status=status, page=number)
                name = Path("runs", run.key, static_trials_name(query.params()))
                yield name, partial(pages.trials_page, run.key, query, _links(2))
        for trial_id in df["trial_id"].astype(str):
            name = Path("runs", run.key, "trials", f"{trial_id}.html")
            yield name, partial(pages.trial_page, run.key, trial_id, _links(3))
    for base, candidate in itertools.combinations(runs, 2):
        a, b = base.key, candidate.key
        yield Path("compare", a, f"{b}.html"), partial(pages.compare_page, a, b, _links(2))
        for p in compare_two(base, candidate)[1]:
            if p.base_trial and p.candidate_trial:
                name = Path("compare", a, b, p.base_trial, f"{p.candidate_trial}.html")
                yield name, partial(pages.pair_page, a, b, p.base_trial, p.candidate_trial, _links(4))


def export_site(runs: list[Run], out: Path, progress: ProgressFn | None = None) -> int:
    """Write the site of ``runs`` into ``out``; returns the number of pages written.

    A trial the index lists but whose directory is gone is left out (with a warning).

    Raises:
        RunError: a file cannot be written, or a run cannot be read.
    """
    pages = list(plan(Pages(runs), runs))
    written = 0
    for done, (name, render) in enumerate(pages, 1):
        try:
            html = render()
        except PageNotFound as exc:
            log.warning("%s: left out (%s)", name, exc)
        else:
            _write(Path(out) / name, html)
            written += 1
        if progress is not None:
            progress(done, len(pages))
    return written
