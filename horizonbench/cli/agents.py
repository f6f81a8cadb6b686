"""``horizonbench agents``: list, models, verify."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from horizonbench.cli.app import err, out

agents_app = typer.Typer(help="Agent adapters: list them, their models, and verify one.", no_args_is_help=True)


@agents_app.command("list")
def agents_list() -> None:
    """Agents that can be named with --agent: built-ins and installed adapters."""
    from horizonbench.agents.registry import available, options_of

    table = Table("agent", "version", "source", "options (--agent-opt KEY=VALUE)")
    for info in available():
        declared, takes_any = options_of(info.name)
        described = [o.describe() for o in declared] + (["any other KEY"] if takes_any else [])
        table.add_row(info.name, info.version, f"{info.source}\n{info.target}", "\n".join(described) or "none")
    out.print(table)


@agents_app.command("verify")
def agents_verify(agent: str = typer.Argument(..., help="Agent name or module:Class.")) -> None:
    """Conformance kit: drive an adapter against scripted endpoints; exit 1 if a requirement fails."""
    from horizonbench.workflows.conformance import verify_adapter

    table = Table("requirement", "ok", "detail")
    with err.status(f"verifying {agent} (real trials in Docker against scripted endpoints)"):
        checks = verify_adapter(agent)
    for c in checks:
        table.add_row(c.requirement, "[green]pass[/]" if c.ok else "[red]FAIL[/]", c.detail)
    out.print(table)
    failed = [c for c in checks if not c.ok]
    out.print(f"{len(checks) - len(failed)}/{len(checks)} requirements met")
    raise typer.Exit(1 if failed else 0)


@agents_app.command("models")
def agents_models(models_file: Path | None = typer.Option(None, "--models", help="A models.toml to add.")) -> None:
    """Models known by name (--model), with protocol, endpoint and list prices."""
    from horizonbench.agents.endpoints import load_models

    table = Table("model", "protocol", "base url", "key variable", "$/M in", "$/M cached", "$/M out")
    for m in load_models(models_file).values():
        cached = m.price.cached_input if m.price.cached_input is not None else m.price.input
        table.add_row(
            m.name, m.provider, m.base_url, m.api_key_env, f"{m.price.input:g}", f"{cached:g}", f"{m.price.output:g}"
        )
    out.print(table)
