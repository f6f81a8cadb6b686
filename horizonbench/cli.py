"""The ``horizonbench`` command. Thin: parse, call the library, print."""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from horizonbench import __version__
from horizonbench.errors import HorizonError

app = typer.Typer(
    help="Check what vendors claim about coding agents, on real tasks in Docker sandboxes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
images_app = typer.Typer(help="Base and task images.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Sandboxes: try one, prune leftovers.", no_args_is_help=True)
app.add_typer(images_app, name="images")
app.add_typer(sandbox_app, name="sandbox")

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


@images_app.command("base")
def images_base(rebuild: bool = typer.Option(False, help="Build again even if present.")) -> None:
    """Build the base image (from a registry, or offline with debootstrap)."""
    from horizonbench.sandbox import base_image

    info = base_image.ensure(rebuild=rebuild)
    state = "built" if info.built else "present"
    out.print(f"{info.tag} {state}: id {info.image_id[7:19]}, made by {info.method}, {info.size_mb} MB")


@sandbox_app.command("prune")
def sandbox_prune() -> None:
    """Remove horizonbench containers whose owning process is gone."""
    from horizonbench.sandbox import reaper

    removed = reaper.prune()
    for item in removed:
        out.print(f"removed {item.name} (run {item.run or '-'}, trial {item.trial or '-'})")
    out.print(f"{len(removed)} leftover container(s) removed")


@sandbox_app.command("demo")
def sandbox_demo() -> None:
    """Start a sandbox from the base image and show its shell, limits and files at work."""
    from horizonbench.sandbox.demo import run_demo

    for line in run_demo():
        out.print(line)


def main() -> None:
    try:
        app()
    except HorizonError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
