"""The viewer's pages as HTML, rendered on the server from jinja2 templates (no JavaScript).

One set of templates serves both the local web app and the static export; they differ only
in :class:`Links`: the app's links carry query parameters (filters, sorting), the export's
point at the pages it wrote, relative to the page, so the site opens from ``file://``.
Every value is escaped (autoescape); the viewer shows results exactly as they were written.
"""

from __future__ import annotations

import math
import urllib.parse
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from horizonbench.errors import HorizonError, RunError
from horizonbench.view.runs import Run, flag_list
from horizonbench.view.summary import compare_two, run_figures
from horizonbench.view.table import PAGE_SIZE, SORTS, TrialQuery, choices, select
from horizonbench.view.trial import explain_flag, read_trial


class PageNotFound(HorizonError):
    """No such run, trial or page."""


@dataclass(frozen=True)
class Links:
    """Where a page's links point: ``root`` is the site's root as seen from the page."""

    root: str = "/"
    static: bool = False

    def index(self) -> str:
        return f"{self.root}index.html"

    def trials(self, run: str, query: TrialQuery | None = None, **changes: Any) -> str:
        params = (query or TrialQuery()).params(**changes)
        if self.static:
            return f"{self.root}runs/{run}/{static_trials_name(params)}"
        text = urllib.parse.urlencode(params)
        return f"{self.root}runs/{run}/trials.html" + (f"?{text}" if text else "")

    def trial(self, run: str, trial_id: str) -> str:
        return f"{self.root}runs/{run}/trials/{trial_id}.html"

    def compare(self, base: str, candidate: str) -> str:
        return f"{self.root}compare/{base}/{candidate}.html"

    def pair(self, base: str, candidate: str, base_trial: str, candidate_trial: str) -> str:
        return f"{self.root}compare/{base}/{candidate}/{base_trial}/{candidate_trial}.html"


def static_trials_name(params: dict[str, str]) -> str:
    """The file of a trials page in the export: ``trials[-STATUS][-pN].html`` (the export
    writes each status and page; other filters and sorting need the web app)."""
    name = "trials"
    if params.get("status"):
        name += f"-{params['status']}"
    if params.get("page", "1") != "1":
        name += f"-p{params['page']}"
    return name + ".html"


def _pct(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def _num(value: Any, digits: int = 0) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    if math.isnan(number):
        return ""
    return f"{number:,.{digits}f}"


def _usd(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(number) else f"${number:,.4f}"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("None", "<NA>", "nan"):
        return ""
    return str(value)


def _task_label(key: Any) -> str:
    """A task key of scoring (``suite/task``) as shown: the task alone when it has no suite."""
    text = str(key)
    return text[1:] if text.startswith("/") else text


class Pages:
    """Renders the pages of a set of runs."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = {run.key: run for run in runs}
        self.env = Environment(
            loader=PackageLoader("horizonbench.view", "templates"),
            autoescape=select_autoescape(["html"], default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            pct=_pct, num=_num, usd=_usd, text=_text, flags=flag_list, explain=explain_flag, task=_task_label
        )

    def run(self, key: str) -> Run:
        """Raises: PageNotFound: no run of that name."""
        try:
            return self.runs[key]
        except KeyError:
            raise PageNotFound(f"no run {key!r} (runs: {', '.join(self.runs)})") from None

    def _render(self, template: str, links: Links, **context: Any) -> str:
        return self.env.get_template(template).render(links=links, runs=self.runs, **context)

    def runs_page(self, links: Links) -> str:
        summaries = [(run, run_figures(run)) for run in self.runs.values()]
        keys = list(self.runs)
        pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
        return self._render("runs.html", links, summaries=summaries, pairs=pairs)

    def trials_page(self, key: str, query: TrialQuery, links: Links) -> str:
        run = self.run(key)
        df = run.table()
        page = select(df, query)
        return self._render(
            "trials.html",
            links,
            run=run,
            query=query,
            page=page,
            choices=run.derived("choices", choices),
            sorts=list(SORTS),
            page_size=PAGE_SIZE,
            rows=page.rows.to_dict("records"),
        )

    def trial_page(self, key: str, trial_id: str, links: Links) -> str:
        run = self.run(key)
        try:
            view = read_trial(run, trial_id)
        except RunError as exc:
            raise PageNotFound(str(exc)) from None
        return self._render("trial.html", links, run=run, view=view)

    def compare_page(self, base: str, candidate: str, links: Links) -> str:
        a, b = self.run(base), self.run(candidate)
        result, pairs = compare_two(a, b)
        return self._render("compare.html", links, base=a, candidate=b, result=result, pairs=pairs)

    def pair_page(self, base: str, candidate: str, base_trial: str, candidate_trial: str, links: Links) -> str:
        a, b = self.run(base), self.run(candidate)
        try:
            left, right = read_trial(a, base_trial), read_trial(b, candidate_trial)
        except RunError as exc:
            raise PageNotFound(str(exc)) from None
        return self._render("pair.html", links, base=a, candidate=b, left=left, right=right)
