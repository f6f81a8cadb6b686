"""``horizonbench agents``: list, models, verify."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from horizonbench.cli.app import err, out
from horizonbench.errors import ConfigError

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
def agents_verify(
    agent: str = typer.Argument(..., help="Agent name or module:Class."),
    base_url: str | None = typer.Option(None, "--base-url", help="Check a real endpoint instead (with --model)."),
    model: str | None = typer.Option(None, "--model", "-m", help="The model the real endpoint serves."),
    api_key_env: str | None = typer.Option(None, "--api-key-env", help="Variable holding the endpoint's key."),
    tool_calls: str = typer.Option("auto", "--tool-calls", help="native, text or auto."),
    prompt_dir: Path | None = typer.Option(None, "--prompt-dir", help="Prompt templates for the endpoint's trial."),
) -> None:
    """Conformance kit: drive an adapter against scripted endpoints (or, with --base-url, a real
    endpoint); exit 1 if a required check fails."""
    table = Table("requirement", "ok", "detail")
    if base_url is not None:
        from horizonbench.workflows.endpoint_check import verify_endpoint

        if not model:
            raise ConfigError("agents verify --base-url needs --model (the model the endpoint serves)")
        with err.status(f"checking {base_url} ({model}) through {agent}: direct requests, then a trial in Docker"):
            checks = verify_endpoint(
                agent, model, base_url, api_key_env=api_key_env, tool_calls=tool_calls, prompt_dir=prompt_dir
            )
    else:
        from horizonbench.workflows.conformance import verify_adapter

        with err.status(f"verifying {agent} (real trials in Docker against scripted endpoints)"):
            checks = verify_adapter(agent)
    for c in checks:
        mark = "[green]pass[/]" if c.ok else ("[red]FAIL[/]" if c.required else "[yellow]no[/]")
        table.add_row(c.requirement + ("" if c.required else " (optional)"), mark, c.detail)
    out.print(table)
    required = [c for c in checks if c.required]
    optional = [c for c in checks if not c.required]
    failed = [c for c in required if not c.ok]
    line = f"{len(required) - len(failed)}/{len(required)} requirements met"
    if optional:
        line += f"; {sum(c.ok for c in optional)}/{len(optional)} optional checks met"
    out.print(line)
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
