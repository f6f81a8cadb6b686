"""``view``: the results viewer, served on 127.0.0.1 or exported as a static site."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from horizonbench.cli.app import app, out
from horizonbench.errors import RunError


@contextmanager
def export_progress(console: Console) -> Iterator[Callable[[int, int], None]]:
    """A progress bar of pages written (an export of a large run writes one per trial), on a terminal."""
    if not console.is_terminal:
        yield lambda done, total: None
        return
    columns = (TextColumn("[bold]pages"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("export", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("view")
def view_cmd(
    runs: list[Path] = typer.Argument(..., help="Run directories (results/<run-id>), or a results directory of runs."),
    port: int = typer.Option(8000, "--port", help="Port on 127.0.0.1 (0: any free port)."),
    export: Path | None = typer.Option(None, "--export", help="Write the pages as a static site here instead."),
) -> None:
    """Browse every run and trial: trials table, trajectories, diffs, logs, comparisons."""
    from horizonbench.view import bind, export_site, make_app, open_runs, serve

    opened = open_runs(runs)
    if export is not None:
        with export_progress(out) as progress:
            n = export_site(opened, export, progress)
        out.print(f"wrote {n} page(s) to {export / 'index.html'}", highlight=False, soft_wrap=True)
        return
    try:
        sock = bind(port)
    except OSError as exc:
        raise RunError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); pick another with --port") from None
    out.print(f"serving on http://127.0.0.1:{sock.getsockname()[1]}", highlight=False, soft_wrap=True)
    try:
        serve(make_app(opened), sock)
    finally:
        sock.close()
