"""The ``horizonbench`` application: the typer app, the consoles, global options, ``version`` and ``doctor``."""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from horizonbench import __version__

app = typer.Typer(
    help="Check what vendors claim about coding agents, on real tasks in Docker sandboxes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

out = Console()
err = Console(stderr=True)


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO if sys.stderr.isatty() else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
    )
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("docker").setLevel(logging.WARNING)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


@app.command()
def doctor() -> None:
    """Check the engine, the base image, disk and leftovers; exit 1 naming the fix."""
    from horizonbench.sandbox.doctor import diagnose

    checks = diagnose()
    table = Table("check", "ok", "detail")
    for check in checks:
        table.add_row(check.name, "[green]yes[/]" if check.ok else "[red]no[/]", check.detail)
    out.print(table)
    bad = [c for c in checks if not c.ok]
    for check in bad:
        err.print(f"[red]{check.name}[/]: {check.fix}")
    raise typer.Exit(1 if bad else 0)
