"""A rich progress bar for runs: done/total, passed, failed, errors, pass rate, ETA."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from horizonbench.models import TrialResult
from horizonbench.runner.run import ProgressFn


@contextmanager
def run_progress(total: int, done: int, console: Console) -> Iterator[ProgressFn]:
    columns = (
        TextColumn("[bold]trials"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[tally]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tid = bar.add_task("run", total=total, completed=done, tally="")

        def update(result: TrialResult, counts: Counter[str], total_: int) -> None:
            graded = counts["passed"] + counts["failed"]
            rate = f"{counts['passed'] / graded:.0%}" if graded else "-"
            tally = (
                f"[green]{counts['passed']} passed[/] [red]{counts['failed']} failed[/] "
                f"[yellow]{counts['error']} errors[/] pass {rate}"
            )
            bar.update(tid, advance=1, tally=tally)

        yield update
