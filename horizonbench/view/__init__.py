"""A viewer of results: every run, every trial, every step, in the browser.

``horizonbench view RESULTS...`` serves the pages from 127.0.0.1 (:mod:`~horizonbench.view.server`);
``--export DIR`` writes them as a static site (:mod:`~horizonbench.view.export`). Both render
:mod:`~horizonbench.view.pages` from the runs' columnar indexes (:mod:`~horizonbench.view.runs`)
and their trial directories (:mod:`~horizonbench.view.trial`).
"""

from horizonbench.view.export import export_site
from horizonbench.view.pages import Links, PageNotFound, Pages
from horizonbench.view.runs import Run, open_runs
from horizonbench.view.server import bind, make_app, serve

__all__ = ["Links", "PageNotFound", "Pages", "Run", "bind", "export_site", "make_app", "open_runs", "serve"]
