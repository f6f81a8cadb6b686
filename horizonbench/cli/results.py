"""Reading results: ``results export``, ``report``, ``compare``, ``claims check``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from horizonbench.cli.app import app, out
from horizonbench.cli.options import (
    HorizonIntervalOpt,
    HorizonMethodOpt,
    HorizonRegOpt,
    HorizonWeightsOpt,
    IntervalOpt,
    horizon_choice,
)
from horizonbench.errors import ConfigError

results_app = typer.Typer(help="Results: export them, index them.", no_args_is_help=True)
claims_app = typer.Typer(help="Vendor claims: check them against results.", no_args_is_help=True)
RunsArg = typer.Argument(..., help="Run directories (results/<run-id>) or exported .parquet/.csv frames.")


@results_app.command("index")
def results_index(
    runs: list[Path] = typer.Argument(..., help="Run directories (results/<run-id>)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Read every result file again (after editing one by hand)."),
) -> None:
    """Bring each run's columnar index up to date (runs keep it themselves; loading builds it where missing)."""
    from horizonbench.results.index import index_run

    for run in runs:
        n, how = index_run(run, rebuild=rebuild)
        out.print(f"{run}: {n} trial(s) indexed ({how})", highlight=False)


@results_app.command("export-atif")
def results_export_atif(
    run: Path = typer.Argument(..., help="A run directory (results/<run-id>)."),
    out_dir: Path = typer.Option(..., "--out", help="Directory for the trajectories, one <trial-id>.json each."),
) -> None:
    """Write each trial's trajectory in Harbor's ATIF format (the replay agent reads these too)."""
    from horizonbench.results.atif import export_atif

    written = export_atif(run, out_dir)
    out.print(f"wrote {len(written)} ATIF trajectory(ies) to {out_dir}", highlight=False, soft_wrap=True)


@results_app.command("export")
def results_export(
    runs: list[Path] = RunsArg,
    parquet: Path | None = typer.Option(None, "--parquet", help="Write the results frame to this Parquet file."),
    csv: Path | None = typer.Option(None, "--csv", help="Write the results frame to this CSV file."),
) -> None:
    """Export trials as a table, one row per trial (task, agent, model, status, reward, cost, ...)."""
    from horizonbench.results import export, load

    df = load(runs)
    for path in export(df, parquet=parquet, csv=csv):
        out.print(f"wrote {len(df)} trials to {path}", highlight=False)


@app.command("report")
def report_cmd(
    runs: list[Path] = RunsArg,
    out_dir: Path = typer.Option(..., "--out", help="Directory for report.md, report.html and junit.xml."),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates of the time-horizon fit."),
    interval: str = IntervalOpt,
    horizon_method: str = HorizonMethodOpt,
    horizon_weights: str | None = HorizonWeightsOpt,
    horizon_reg: float | None = HorizonRegOpt,
    horizon_interval: str | None = HorizonIntervalOpt,
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="A model's training cut-off (YYYY-MM-DD): pass@1 on tasks created before and after it."
    ),
    viewer: bool = typer.Option(
        False, "--viewer", help="Also export the results viewer into OUT/viewer; report.html links to it."
    ),
) -> None:
    """Write report.md, a self-contained report.html with plots, and junit.xml."""
    from horizonbench.report.report import VIEWER_DIR, write_report

    method = horizon_choice(horizon_method, horizon_weights, horizon_reg, horizon_interval)
    if cutoff is not None:
        from datetime import date

        try:
            cutoff = date.fromisoformat(cutoff).isoformat()
        except ValueError:
            raise ConfigError(f"--cutoff {cutoff!r}: expected a day as YYYY-MM-DD") from None
    if viewer:
        from horizonbench.cli.view import export_progress
        from horizonbench.view import export_site, open_runs

        with export_progress(out) as progress:
            pages = export_site(open_runs(runs), out_dir / VIEWER_DIR, progress)
        out.print(f"wrote {pages} viewer page(s) to {out_dir / VIEWER_DIR}", highlight=False, soft_wrap=True)
    files = write_report(runs, out_dir, n_bootstrap=bootstrap, interval=interval, horizon=method, cutoff=cutoff)
    for g in files.analysis.groups:
        line = (
            f"{g.label}: pass@1 {g.rate.estimate:.1%} [{g.rate.low:.1%}, {g.rate.high:.1%}] "
            f"({g.rate.method_label}), {g.rate.n_errors} error(s)"
        )
        if g.horizon is not None:
            line += f", 50% horizon {g.horizon.h50:.3g} min [{g.horizon.h50_low:.3g}, {g.horizon.h50_high:.3g}]"
        out.print(line, highlight=False, soft_wrap=True)
    out.print(f"horizon method {method.describe()}", highlight=False, soft_wrap=True)
    out.print(f"wrote {files.markdown}, {files.html}, {files.junit}", highlight=False, soft_wrap=True)


@app.command("compare")
def compare_cmd(
    base: Path = typer.Argument(..., help="The base run (directory or exported frame)."),
    candidate: Path = typer.Argument(..., help="The candidate run."),
    max_drop: float = typer.Option(0.0, "--max-drop", help="Tolerated drop in pass@1, a fraction (0.05: 5 points)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level of the paired test."),
    agent: str | None = typer.Option(None, "--agent", help="Compare only this agent's trials."),
    model: str | None = typer.Option(None, "--model", help="Compare only this model's trials."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the comparison here (Markdown)."),
) -> None:
    """Paired comparison on common tasks; exit 1 only if CANDIDATE is significantly worse by more than --max-drop."""
    from horizonbench.workflows.regression_gate import compare_paths

    result = compare_paths(base, candidate, max_drop=max_drop, alpha=alpha, agent=agent, model=model)
    text = result.to_markdown()
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    if markdown is not None:
        markdown.write_text(text, encoding="utf-8")
    raise typer.Exit(1 if result.regressed else 0)


@claims_app.command("check")
def claims_check(
    claims: Path = typer.Argument(..., help="A claims.toml file."),
    runs: list[Path] = RunsArg,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any claim is contradicted."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the verdicts here (Markdown)."),
    correction: str = typer.Option("none", "--correction", help="Correction across claims: none or bonferroni."),
    interval: str = IntervalOpt,
    horizon_method: str = HorizonMethodOpt,
    horizon_weights: str | None = HorizonWeightsOpt,
    horizon_reg: float | None = HorizonRegOpt,
    horizon_interval: str | None = HorizonIntervalOpt,
) -> None:
    """Supported / contradicted / inconclusive per claim, with estimate, interval and test (exit 0 unless --strict)."""
    from horizonbench.results import load
    from horizonbench.scoring import check_claims, load_claims, verdicts_to_markdown
    from horizonbench.scoring.multiplicity import correction_note, parse_correction, per_claim_alpha

    parsed = load_claims(claims)
    corrected = parse_correction(correction)
    method = horizon_choice(horizon_method, horizon_weights, horizon_reg, horizon_interval)
    confidence = 1 - per_claim_alpha(0.05, len(parsed.claims), corrected)
    from horizonbench.workflows.endpoint_requirement import require_endpoints

    df = load(runs)
    verdicts = check_claims(parsed, df, confidence=confidence, interval=interval, horizon=method)
    verdicts = require_endpoints(verdicts, parsed, df, runs, claims)
    note = correction_note(0.05, len(parsed.claims), corrected)
    colour = {"supported": "green", "contradicted": "red", "inconclusive": "yellow"}
    table = Table("claim", "verdict", "estimate", "interval", "test", "method", "detail")
    for v in verdicts:
        estimate = "n/a" if v.estimate is None else f"{v.estimate:.4g}"
        verdict = f"[{colour[v.verdict]}]{v.verdict}[/]"
        table.add_row(v.claim_id, verdict, estimate, f"[{v.low:.4g}, {v.high:.4g}]", v.test, v.method, v.detail)
    out.print(table)
    out.print(note, highlight=False, soft_wrap=True)
    if markdown is not None:
        markdown.write_text(verdicts_to_markdown(verdicts) + f"\n{note}\n", encoding="utf-8")
    contradicted = sum(v.verdict == "contradicted" for v in verdicts)
    raise typer.Exit(1 if strict and contradicted else 0)
