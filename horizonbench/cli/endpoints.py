"""``horizonbench endpoints``: fingerprint an endpoint, compare two fingerprints."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from horizonbench.cli.app import err, out
from horizonbench.errors import ConfigError

endpoints_app = typer.Typer(help="Is it the model they say: probe endpoints and compare them.", no_args_is_help=True)


@endpoints_app.command("probe")
def endpoints_probe(
    model: str = typer.Option(..., "--model", "-m", help="The model to ask for."),
    base_url: str = typer.Option(..., "--base-url", help="The OpenAI-compatible endpoint."),
    api_key_env: str | None = typer.Option(None, "--api-key-env", help="Variable holding the key."),
    repeats: int = typer.Option(3, "--repeats", min=1, help="Times each probe is sent."),
    out_path: Path = typer.Option(Path("fingerprint.json"), "--out", "-o", help="Where to write the fingerprint."),
) -> None:
    """Send the fixed probe set (temperature 0) and write the endpoint's fingerprint."""
    from horizonbench.workflows.fingerprint import PROBE_SET, PROBES, probe_endpoint, save

    key = ""
    if api_key_env:
        key = os.environ.get(api_key_env, "")
        if not key:
            raise ConfigError(f"--api-key-env {api_key_env}: the variable is not set")
    with err.status(f"probing {base_url} ({model}): {len(PROBES)} cases x {repeats} ({PROBE_SET})"):
        fp = probe_endpoint(model, base_url, api_key=key, repeats=repeats)
    failed = [a for a in fp.answers if a.error]
    save(fp, out_path)
    out.print(f"{out_path}: {len(fp.answers)} answers, {len(failed)} failed, digest {fp.digest}", highlight=False)
    if len(failed) == len(fp.answers):
        raise typer.Exit(1)


@endpoints_app.command("compare")
def endpoints_compare(
    a: Path = typer.Argument(..., help="A fingerprint file."),
    b: Path = typer.Argument(..., help="Another fingerprint file."),
    min_agreement: float | None = typer.Option(
        None, "--min-agreement", help="Exit 1 unless tool-call agreement's lower bound reaches this."
    ),
) -> None:
    """Agreement of two endpoints' answers, with 95% intervals."""
    from horizonbench.workflows.fingerprint import compare, load

    result = compare(load(a), load(b))
    table = Table("measure", "agreement", "95% interval", "pairs", "what")
    for m in result.measures:
        table.add_row(m.measure, f"{m.rate:.1%}", f"{m.low:.1%} - {m.high:.1%}", str(m.pairs), m.detail)
    out.print(table)
    out.print(f"cases that differ: {', '.join(result.differing_cases) or 'none'}")
    if min_agreement is not None and result.measure("tool calls").low < min_agreement:
        raise typer.Exit(1)
