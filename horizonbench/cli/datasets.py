"""``horizonbench datasets``: the datasets of a registry (Harbor's format), and fetching one."""

from __future__ import annotations

import typer
from rich.table import Table

from horizonbench.cli.app import out
from horizonbench.cli.options import RegistryOpt

datasets_app = typer.Typer(help="Datasets by name (NAME@VERSION) from a registry: list, fetch.", no_args_is_help=True)


@datasets_app.command("list")
def datasets_list(registry: str | None = RegistryOpt) -> None:
    """List the registry's datasets: name@version, tasks, repositories, description."""
    from horizonbench.tasks.registry import read_registry

    reg = read_registry(registry)
    table = Table("dataset", "tasks", "repositories", "pinned", "description")
    for d in sorted(reg.datasets, key=lambda d: (d.name, d.version)):
        repos = {t.git_url or "(local)" for t in d.tasks}
        pinned = sum(1 for t in d.tasks if t.pinned or t.git_url is None)
        table.add_row(d.ref, str(len(d.tasks)), str(len(repos)), f"{pinned}/{len(d.tasks)}", d.description[:80])
    out.print(table)
    out.print(f"{len(reg.datasets)} dataset(s) in {reg.source}", highlight=False, soft_wrap=True)


@datasets_app.command("fetch")
def datasets_fetch(
    ref: str = typer.Argument(..., help="NAME@VERSION (NAME alone: head if listed, else the highest version)."),
    registry: str | None = RegistryOpt,
) -> None:
    """Clone a dataset's tasks at their pinned commits into the cache (nothing is fetched twice)."""
    from horizonbench.tasks.datasets import load_dataset

    fetched = load_dataset(ref, registry)
    for c in fetched.checkouts:
        state = "fetched" if c.fetched else "cached"
        out.print(f"{state} {c.git_url} at {c.commit[:12]}: {c.path}", highlight=False, soft_wrap=True)
    out.print(f"{fetched.spec.ref}: {len(fetched.suite.tasks)} task(s) ready", highlight=False)
