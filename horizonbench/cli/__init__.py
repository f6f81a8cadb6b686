"""The ``horizonbench`` command. Thin: parse, call the library, print.

Commands are grouped by noun, a module each; importing a module registers its commands on
:data:`horizonbench.cli.app.app`. Run options shared by ``run`` and ``ci`` live in
:mod:`horizonbench.cli.options`.
"""

from __future__ import annotations

import sys

from horizonbench.cli import agents, datasets, deciding, endpoints, images, results, run, tasks, view
from horizonbench.cli.app import app, err
from horizonbench.errors import HorizonError

app.add_typer(images.images_app, name="images")
app.add_typer(agents.agents_app, name="agents")
app.add_typer(endpoints.endpoints_app, name="endpoints")
app.add_typer(images.sandbox_app, name="sandbox")
app.add_typer(tasks.tasks_app, name="tasks")
app.add_typer(datasets.datasets_app, name="datasets")
app.add_typer(results.results_app, name="results")
app.add_typer(results.claims_app, name="claims")

__all__ = ["app", "deciding", "main", "run", "view"]


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
