"""Reports of one or more runs: ``report.md`` (GitHub-flavoured, fits a CI step summary),
a self-contained ``report.html`` with plots, and ``junit.xml`` for CI systems.

Both documents are rendered from the same tables, so they never disagree. Every rate
leaves infrastructure errors out and counts them in a column of their own.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from horizonbench import __version__
from horizonbench.errors import RunError
from horizonbench.report.analysis import GROUP, Analysis, GroupStats, analyse
from horizonbench.report.junit import write_junit
from horizonbench.report.probes import freshness_table, variants_table
from horizonbench.report.table import Table, interval_cell, rate_cell
from horizonbench.scoring import HorizonFit, HorizonMethod, KMetric

MAX_TASK_ROWS = 300
"""Rows of the task x model table; a larger suite's remaining tasks are counted in a note."""


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote, and the figures behind it."""

    markdown: Path
    html: Path
    junit: Path
    analysis: Analysis = field(repr=False)


VIEWER_DIR = "viewer"
"""Where ``report --viewer`` exports the static viewer, beside report.html."""


def write_report(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
    interval: str = "cluster-t",
    horizon: str | HorizonMethod = "default",
    cutoff: str | None = None,
    viewer: str | None = None,
) -> ReportFiles:
    """Analyse the runs at ``paths`` and write ``report.md``, ``report.html`` and ``junit.xml`` into ``out_dir``.

    ``interval`` and ``horizon`` choose the interval method of rates and the horizon method
    (see :func:`horizonbench.report.analysis.analyse`); the report names both. report.html
    links to the results viewer at ``viewer`` (a URL relative to it), or to
    ``viewer/index.html`` when a static viewer was exported there (``horizonbench view --export``). ``cutoff`` (a
    model's stated training cut-off, YYYY-MM-DD) adds pass@1 on tasks created before and after it.

    Raises:
        RunError: a path is not a run directory or exported frame, or ``out_dir`` cannot be written.
        ScoringInputError: the runs hold no trials, or an option is unknown.
    """
    from horizonbench.report.plots import all_plots

    analysis = analyse(paths, n_bootstrap=n_bootstrap, seed=seed, interval=interval, horizon=horizon)
    tables = report_tables(analysis, cutoff=cutoff)
    out = Path(out_dir)
    if viewer is None and (out / VIEWER_DIR / "index.html").is_file():
        viewer = f"{VIEWER_DIR}/index.html"
    try:
        out.mkdir(parents=True, exist_ok=True)
        md = out / "report.md"
        md.write_text(to_markdown(analysis, tables), encoding="utf-8")
        page = out / "report.html"
        page.write_text(to_html(analysis, tables, all_plots(analysis), viewer=viewer), encoding="utf-8")
        junit = write_junit(analysis.frame, out / "junit.xml")
    except OSError as exc:
        raise RunError(f"cannot write the report into {out}: {exc.strerror or exc}") from None
    return ReportFiles(md, page, junit, analysis)


def report_tables(analysis: Analysis, cutoff: str | None = None) -> list[Table]:
    """The tables of a report, in order."""
    tables = [_summary(analysis), _cost(analysis)]
    if cutoff is not None:
        tables.append(freshness_table(analysis, cutoff))
    variants = variants_table(analysis)
    if variants is not None:
        tables.append(variants)
    tables += [
        _group_table(analysis.by_difficulty, "difficulty", "By difficulty", "by-difficulty"),
        _group_table(analysis.by_horizon, "horizon_bucket", "By task length (expert minutes)", "by-length"),
        _tasks(analysis),
        _runs(analysis),
    ]
    review = _review(analysis)
    if review is not None:
        tables.append(review)
    prompts = _prompts(analysis)
    if prompts is not None:
        tables.append(prompts)
    datasets = _datasets(analysis)
    if datasets is not None:
        tables.append(datasets)
    return tables


def to_markdown(analysis: Analysis, tables: Sequence[Table]) -> str:
    """The report as GitHub-flavoured Markdown."""
    runs = ", ".join(f"`{r.run_id}`" for r in analysis.runs)
    lines = [
        "# horizonbench report",
        "",
        f"Runs {runs}: {len(analysis.frame)} trials, {analysis.frame['task'].nunique()} tasks, "
        f"{len(analysis.groups)} agent/model group(s). Errors are infrastructure failures: they are left out "
        "of every rate and counted apart.",
    ]
    for table in tables:
        lines += ["", f"## {table.title}", ""]
        if table.rows:
            lines.append("| " + " | ".join(_md(h) for h in table.headers) + " |")
            lines.append("|" + "---|" * len(table.headers))
            lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in table.rows]
        if table.note:
            lines += ["", table.note]
    lines += ["", f"<sub>horizonbench {__version__}; plots in report.html.</sub>", ""]
    return "\n".join(lines)


def to_html(
    analysis: Analysis, tables: Sequence[Table], plots: dict[str, tuple[str, bytes]], *, viewer: str | None = None
) -> str:
    """The report as one self-contained HTML page: tables, and plots embedded as data URIs;
    with a link to the results viewer at ``viewer`` when given."""
    esc = html.escape
    runs = ", ".join(f"<code>{esc(r.run_id)}</code>" for r in analysis.runs)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>horizonbench report: {esc(', '.join(r.run_id for r in analysis.runs))}</title>",
        f"<style>{_CSS}</style>",
        "</head><body>",
        "<h1>horizonbench report</h1>",
        f'<p class="lead">Runs {runs}: {len(analysis.frame)} trials, {analysis.frame["task"].nunique()} tasks, '
        f"{len(analysis.groups)} agent/model group(s). Errors are infrastructure failures: they are left out of "
        "every rate and counted apart.</p>",
    ]
    if viewer is not None:
        parts.append(
            f'<p class="lead">Every attempt, step by step: <a id="viewer-link" href="{esc(viewer)}">'
            "the results viewer</a>.</p>"
        )
    body_tables = list(tables)
    parts.append(_html_table(body_tables.pop(0)))
    parts.append('<h2 id="plots">Plots</h2><div class="plots">')
    for plot_id, (title, png) in plots.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure><img class="plot" id="plot-{esc(plot_id)}" alt="{esc(title)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{esc(title)}</figcaption></figure>'
        )
    parts.append("</div>")
    parts += [_html_table(t) for t in body_tables]
    parts.append(f"<footer>horizonbench {esc(__version__)}</footer>")
    parts.append(f"<script>{_SCRIPT}</script>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _summary(analysis: Analysis) -> Table:
    pct = round(analysis.confidence * 100)
    headers = [
        "agent / model",
        "tasks",
        "trials",
        "passed",
        "failed",
        "errors",
        f"pass@1 ({pct}% CI)",
        "pass@k",
        "pass^k",
        "partial credit",
        f"cost / solved ({pct}% CI)",
        f"50% horizon ({pct}% CI)",
        f"80% horizon ({pct}% CI)",
    ]
    rows = []
    for g in analysis.groups:
        frame = analysis.frame.loc[analysis.frame[GROUP] == g.label]
        status = frame["status"]
        rows.append(
            [
                g.label,
                str(frame[["suite", "task"]].drop_duplicates().shape[0]),
                str(len(frame)),
                str(int((status == "passed").sum())),
                str(int((status == "failed").sum())),
                str(g.rate.n_errors),
                rate_cell(g.rate),
                _k(g.pass_k),
                _k(g.pass_hat),
                _partial(g),
                _moneyinterval_cell(g),
                _horizon(g, 50),
                _horizon(g, 80),
            ]
        )
    note = " ".join(
        [
            "pass@1 is the mean over tasks of each task's share of passed attempts; pass@k (unbiased) and pass^k",
            "(all k attempts pass) use k = the most attempts a task has, over tasks with that many; partial credit",
            "is the mean share of milestones passed.",
            _interval_note(analysis),
            _horizon_note(analysis),
        ]
    )
    return Table("Results by agent and model", headers, rows, note, "summary")


_INTERVAL_WHY = {
    "cluster-t": "CR2 cluster-robust standard error (cluster = task family) with a t quantile at the "
    "Bell-McCaffrey degrees of freedom, G - 1 for G equal families, because suites have few families",
    "cluster-normal": "CR1 cluster-robust standard error (cluster = task family) with the normal quantile, a "
    "large-sample approximation that covers less than nominal with few families",
    "wilson": "Wilson score interval (one attempt per task, no shared families)",
    "wilson-over-clusters": "Wilson interval over families (no spread between families)",
    "none": "[0, 1]: one family, no interval can be estimated",
    "log-ratio cluster-t": "cluster-t on the log of total cost over passes, by the delta method",
}


def _interval_note(analysis: Analysis) -> str:
    """Which interval method each figure used, and why."""
    used: dict[str, list[str]] = {}
    for g in analysis.groups:
        for name, method, label in [
            ("pass@1", g.rate.method, g.rate.method_label),
            *[(m.metric, m.method, m.method_label) for m in (g.pass_k, g.pass_hat) if m is not None],
            *([("partial credit", g.partial.method, g.partial.method_label)] if g.partial.n_tasks else []),
            *(
                [("cost / solved", "log-ratio cluster-t", g.cost.cost_per_solved_method)]
                if g.cost.cost_per_solved_method != "none"
                else []
            ),
        ]:
            used.setdefault(method, []).append(f"{name} of {g.label}" + (f", {label}" if label != method else ""))
    parts = [f"{method}: {_INTERVAL_WHY.get(method, method)} ({'; '.join(where)})" for method, where in used.items()]
    return f"Intervals ({round(analysis.confidence * 100)}%, asked for: {analysis.interval}): " + ". ".join(parts) + "."


def _horizon_note(analysis: Analysis) -> str:
    """The horizon method and its parameters, and the replicates without a crossing."""
    method = analysis.horizon_method
    how = {
        "family-bootstrap": "bootstrap over task families, each drawn with its tasks and attempts; basic "
        "interval on log2 of the horizon with a small-sample (expanded) tail",
        "hierarchical-bootstrap": "percentile bootstrap over families, then tasks, then attempts (METR's; "
        "conservative, wider than nominal)",
    }[method.interval]
    counted = []
    for g in analysis.groups:
        fit = g.horizon
        if fit is not None and max(*fit.n_below, *fit.n_above) > 0:
            counted.append(
                f"{g.label}: {fit.n_below[0]} below / {fit.n_above[0]} above for 50%, "
                f"{fit.n_below[1]} / {fit.n_above[1]} for 80%"
            )
    counts = "; ".join(counted)
    text = (
        f"Horizons: weighted logistic fit of success on log2(expert minutes), method {method.describe()}"
        f"{' (as METR, Kwa et al. 2025)' if method.name == 'metr' else ''}; interval: {how}, "
        f"{analysis.n_bootstrap} replicates."
    )
    if counts:
        text += (
            " Replicates whose curve never reaches the level count as 0 (below) and those never falling below "
            f"it as infinite (above): {counts}."
        )
    return text


def _cost(analysis: Analysis) -> Table:
    headers = [
        "agent / model",
        "total cost",
        "cost / trial",
        "cost / solved",
        "tokens / trial",
        "tokens / solved",
        "pass@1 per dollar",
        "cost of errors",
    ]
    rows = []
    for g in analysis.groups:
        c = g.cost
        rows.append(
            [
                g.label,
                f"${c.total_cost_usd:,.4g}",
                "–" if math.isnan(c.cost_per_trial) else f"${c.cost_per_trial:,.4g}",
                _money(c.cost_per_solved, c.total_cost_usd),
                _count(c.tokens_per_trial),
                "–" if c.tokens_per_solved is None else _count(c.tokens_per_solved),
                "–" if c.pass_rate_per_dollar is None else f"{c.pass_rate_per_dollar:,.4g}",
                f"${c.error_cost_usd:,.4g}",
            ]
        )
    note = "Costs and tokens are summed over non-error trials; what error trials cost is shown apart."
    return Table("Cost and tokens", headers, rows, note, "cost")


def _group_table(table: pd.DataFrame, column: str, title: str, anchor: str) -> Table:
    headers = ["agent / model", column.replace("_", " "), "tasks", "trials", "passed", "failed", "errors", "pass@1"]
    rows = [
        [
            str(r[GROUP]),
            str(r[column]),
            str(r["n_tasks"]),
            str(r["n_trials"]),
            str(r["passed"]),
            str(r["failed"]),
            str(r["errors"]),
            interval_cell(r["pass_at_1"], r["low"], r["high"]),
        ]
        for _, r in table.iterrows()
    ]
    return Table(title, headers, rows, anchor=anchor)


def _tasks(analysis: Analysis) -> Table:
    counts = analysis.task_counts
    headers = ["task", *[str(c) for c in counts.columns]]
    rows = [[str(task), *[str(v) for v in row]] for task, row in counts.head(MAX_TASK_ROWS).iterrows()]
    note = "Passed / non-error attempts per task; `+n err` counts attempts lost to infrastructure errors."
    if len(counts) > MAX_TASK_ROWS:
        note += f" {len(counts) - MAX_TASK_ROWS} more tasks are not listed."
    return Table("Tasks", headers, rows, note, "tasks")


# Flags that mean the attempt went for the grader rather than the task.
REVIEW_FLAGS = (
    "suspicious_change",
    "runner_tampered",
    "verdict_mismatch",
    "fake_test_summary",
    "guard_missing",
    "changed_test_config",
    "shadowed_module",
    "touched_protected",
    "tampered_system",
    "provenance_unchecked",
    "reward_written_in_tests",
)


def _review(analysis: Analysis) -> Table | None:
    """Attempts a person should look at, passed ones first: a flag of :data:`REVIEW_FLAGS`."""
    frame = analysis.frame
    rows = []
    for _, r in frame.iterrows():
        flags = [f for f in (r["flags"] if isinstance(r["flags"], list) else []) if f in REVIEW_FLAGS]
        if flags:
            rows.append([str(r["trial_id"]), str(r["status"]), ", ".join(flags), str(r.get("detail") or "")])
    if not rows:
        return None
    rows.sort(key=lambda row: (row[1] != "passed", row[0]))
    note = (
        "The lines of each change that reach into the test runner are in the trial's result.json "
        "(`verdict.review`); docs/security.md says what each flag means."
    )
    shown = rows[:MAX_TASK_ROWS]
    if len(rows) > len(shown):
        note += f" {len(rows) - len(shown)} more are not listed."
    return Table("Flagged for review", ["trial", "status", "flags", "detail"], shown, note, "review")


def _runs(analysis: Analysis) -> Table:
    rows = [[r.run_id, r.created_at or "–", r.version or "–", str(r.n_trials), r.path] for r in analysis.runs]
    return Table("Runs", ["run", "created", "horizonbench", "trials", "path"], rows, anchor="runs")


def _datasets(analysis: Analysis) -> Table | None:
    rows = [[r.run_id, ref, url, commit, str(n)] for r in analysis.runs for ref, url, commit, n in r.datasets]
    if not rows:
        return None
    return Table("Datasets", ["run", "dataset", "repository", "commit", "tasks"], rows, anchor="datasets")


def _prompts(analysis: Analysis) -> Table | None:
    rows = [[r.run_id, where, digest] for r in analysis.runs for where, digest in sorted(r.prompt_hashes.items())]
    if not rows:
        return None
    return Table("Prompt hashes", ["run", "prompt", "hash"], rows, anchor="prompts")


def _partial(group: GroupStats) -> str:
    credit = group.partial
    if math.isnan(credit.estimate):
        return "– (no milestones)"
    shown = interval_cell(credit.estimate, credit.low, credit.high)
    return f"{shown} ({credit.n_tasks} task{'s' if credit.n_tasks != 1 else ''})"


def _k(metric: KMetric | None) -> str:
    if metric is None:
        return "– (1 attempt)"
    return f"{interval_cell(metric.estimate, metric.low, metric.high)} (k={metric.k})"


def _horizon(group: GroupStats, quantile: int) -> str:
    fit: HorizonFit | None = group.horizon
    if fit is None:
        return f"– ({group.horizon_note})" if group.horizon_note else "–"
    value, low, high = (fit.h50, fit.h50_low, fit.h50_high) if quantile == 50 else (fit.h80, fit.h80_low, fit.h80_high)
    shown = [_minutes(v, fit) for v in (value, low, high)]
    if shown[0] == shown[1] == shown[2]:
        return shown[0]
    return f"{shown[0]} [{shown[1]}, {shown[2]}]"


def _minutes(value: float | None, fit: HorizonFit) -> str:
    if value is None or math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return f">{fit.max_length:.3g} min"
    if value == 0.0:
        return f"<{fit.min_length:.3g} min"
    return f"{value:.3g} min"


def _moneyinterval_cell(group: GroupStats) -> str:
    c = group.cost
    shown = _money(c.cost_per_solved, c.total_cost_usd)
    if c.cost_per_solved is None or math.isnan(c.cost_per_solved_low):
        return shown
    return f"{shown} [${c.cost_per_solved_low:,.4g}, ${c.cost_per_solved_high:,.4g}]"


def _money(per_solved: float | None, total: float) -> str:
    if per_solved is None:
        return "– (none solved)"
    return f"${per_solved:,.4g}"


def _count(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.0f}"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _html_table(table: Table) -> str:
    esc = html.escape
    anchor = f' id="{esc(table.anchor)}"' if table.anchor else ""
    out = [f"<h2{anchor}>{esc(table.title)}</h2>"]
    if table.rows:
        out.append('<div class="scroll"><table><thead><tr>')
        out += [f"<th>{esc(h)}</th>" for h in table.headers]
        out.append("</tr></thead><tbody>")
        for row in table.rows:
            out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
        out.append("</tbody></table></div>")
    if table.note:
        out.append(f'<p class="note">{esc(table.note)}</p>')
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       padding: 0 1rem; color: #1f2328; }
h1 { font-size: 1.8rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; white-space: nowrap; }
th { background: #f6f8fa; } tbody tr:nth-child(even) { background: #fafbfc; }
.scroll { overflow-x: auto; } .note, .lead { color: #57606a; font-size: .9rem; max-width: 60rem; }
.plots { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; } figure img { max-width: 100%; border: 1px solid #d0d7de; }
figcaption { font-size: .85rem; color: #57606a; text-align: center; }
footer { margin-top: 3rem; color: #57606a; font-size: .8rem; }
"""

# Records each plot's decoded size on the element, so a headless browser's DOM dump shows
# that the images really decoded (``data-decoded="800x480"``).
_SCRIPT = """
function hbMarkDecoded() {
  document.querySelectorAll('img.plot').forEach(function (img) {
    img.setAttribute('data-decoded', img.naturalWidth + 'x' + img.naturalHeight);
  });
  document.body.setAttribute('data-plots-decoded', String(document.querySelectorAll('img.plot').length));
}
if (document.readyState === 'complete') { hbMarkDecoded(); } else { window.addEventListener('load', hbMarkDecoded); }
"""
