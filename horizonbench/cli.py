"""The ``horizonbench`` command. Thin: parse, call the library, print."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from horizonbench import __version__
from horizonbench.errors import ConfigError, HorizonError

app = typer.Typer(
    help="Check what vendors claim about coding agents, on real tasks in Docker sandboxes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
images_app = typer.Typer(help="Base and task images.", no_args_is_help=True)
agents_app = typer.Typer(help="Agent adapters: list them.", no_args_is_help=True)
tasks_app = typer.Typer(help="Tasks and suites: list, show, check.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Sandboxes: try one, prune leftovers.", no_args_is_help=True)
app.add_typer(images_app, name="images")
app.add_typer(agents_app, name="agents")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(tasks_app, name="tasks")

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


@agents_app.command("list")
def agents_list() -> None:
    """Agents that can be named with --agent: built-ins and installed adapters."""
    from horizonbench.agents.registry import available

    table = Table("agent", "version", "source", "target")
    for info in available():
        table.add_row(info.name, info.version, info.source, info.target)
    out.print(table)


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


def _load(
    paths: list[Path],
    names: list[str],
    tags: list[str],
    difficulty: list[str],
    min_minutes: float | None,
    max_minutes: float | None,
) -> tuple[list[Any], list[Any]]:
    from horizonbench.tasks.loader import load_tasks, select

    tasks, suites = load_tasks(paths)
    return select(
        tasks, names=names, tags=tags, difficulty=difficulty, min_minutes=min_minutes, max_minutes=max_minutes
    ), suites


PathsArg = typer.Argument(..., help="Suite folders or task folders.")
NameOpt = typer.Option([], "--task", "-t", help="Task name or glob (repeatable).")
TagOpt = typer.Option([], "--tag", help="Keep tasks with any of these tags (repeatable).")
DiffOpt = typer.Option([], "--difficulty", help="Keep tasks of this difficulty (repeatable).")
MinOpt = typer.Option(None, "--min-minutes", help="Keep tasks of at least this many expert minutes.")
MaxOpt = typer.Option(None, "--max-minutes", help="Keep tasks of at most this many expert minutes.")


@app.command()
def run(
    paths: list[Path] = PathsArg,
    agent: list[str] = typer.Option(["oracle"], "--agent", "-a", help="Agent name or module:Class (repeatable)."),
    attempts: int | None = typer.Option(None, "--attempts", "-k", help="Attempts per task (default: the suite's)."),
    concurrency: int = typer.Option(2, "--concurrency", "-n", help="Trials at once."),
    run_id: str | None = typer.Option(None, "--run-id", help="Run id; the same id resumes an unfinished run."),
    results: Path = typer.Option(Path("results"), "--results", help="Results root directory."),
    timeout: float | None = typer.Option(None, "--timeout", help="Agent wall-clock limit per trial (seconds)."),
    model: str | None = typer.Option(None, "--model", "-m", help="Model name (models.toml) or id at --base-url."),
    base_url: str | None = typer.Option(None, "--base-url", help="Endpoint base URL (OpenAI- or Anthropic-style)."),
    api_key_env: str | None = typer.Option(None, "--api-key-env", help="Environment variable holding the API key."),
    models_file: Path | None = typer.Option(None, "--models", help="A models.toml adding or overriding models."),
    prompt_dir: Path | None = typer.Option(None, "--prompt-dir", help="Directory of prompt templates to use."),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Most model turns per trial."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="Most tokens (input + output) per trial."),
    max_cost: float | None = typer.Option(None, "--max-cost", help="Most dollars per trial."),
    command_timeout: float = typer.Option(180.0, "--command-timeout", help="Limit of one agent command (seconds)."),
    agent_opt: list[str] = typer.Option([], "--agent-opt", help="KEY=VALUE for the agent's constructor (repeatable)."),
    names: list[str] = NameOpt,
    tags: list[str] = TagOpt,
    difficulty: list[str] = DiffOpt,
    min_minutes: float | None = MinOpt,
    max_minutes: float | None = MaxOpt,
    progress: bool = typer.Option(True, help="Show a progress bar."),
    executor: str = typer.Option("local", "--executor", help="Where trials run: local (this host) or dask."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://HOST:PORT)."),
    local_workers: int | None = typer.Option(None, "--local-workers", help="Start N local Dask workers instead."),
) -> None:
    """Run agents on tasks; write results/<run-id>/."""
    import asyncio
    from datetime import UTC, datetime

    from horizonbench.agents.base import Budget
    from horizonbench.agents.registry import accepted_options
    from horizonbench.runner.progress import run_progress
    from horizonbench.runner.run import RunOptions, execute, make_executor

    where = make_executor(executor, scheduler, local_workers)
    tasks, suites = _load(paths, names, tags, difficulty, min_minutes, max_minutes)
    k = attempts or max([s.config.attempts for s in suites], default=1)
    rid = run_id or datetime.now(UTC).strftime("run-%Y%m%d-%H%M%S")
    llm = {
        "model": model,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "models_file": models_file,
        "prompt_dir": prompt_dir,
    }
    llm = {key: str(v) if isinstance(v, Path) else v for key, v in llm.items() if v is not None}
    for item in agent_opt:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--agent-opt {item!r}: expected KEY=VALUE")
        llm[key.strip()] = value
    budget = Budget(
        timeout_s=timeout,
        max_steps=max_steps,
        max_tokens=max_tokens,
        max_cost_usd=max_cost,
        command_timeout_s=command_timeout,
    )
    opts = RunOptions(
        run_id=rid,
        agents=agent,
        attempts=k,
        concurrency=concurrency,
        results_root=results,
        budget=budget,
        agent_options={a: accepted_options(a, llm) for a in agent},
    )
    total = len(tasks) * len(agent) * k
    if progress:
        from horizonbench.results.store import RunDir

        done = sum(1 for _ in RunDir(results, rid).results())
        with run_progress(total, min(done, total), err) as update:
            summary = asyncio.run(execute(tasks, suites, opts, update, where))
    else:
        summary = asyncio.run(execute(tasks, suites, opts, executor=where))
    out.print(summary.line(), highlight=False, soft_wrap=True)


@tasks_app.command("list")
def tasks_list(
    paths: list[Path] = PathsArg,
    names: list[str] = NameOpt,
    tags: list[str] = TagOpt,
    difficulty: list[str] = DiffOpt,
    min_minutes: float | None = MinOpt,
    max_minutes: float | None = MaxOpt,
) -> None:
    """List tasks with their grader, difficulty and horizon."""
    tasks, _ = _load(paths, names, tags, difficulty, min_minutes, max_minutes)
    table = Table("task", "suite", "grader", "mode", "difficulty", "steps", "expert min", "milestones", "tags")
    for t in tasks:
        v = t.config.verifier
        table.add_row(
            t.name,
            t.suite,
            v.grader,
            t.grading_mode,
            t.difficulty or "",
            str(t.steps or ""),
            f"{t.expert_minutes:g}" if t.expert_minutes else "",
            str(len(t.config.milestones)),
            ",".join(t.tags),
        )
    out.print(table)
    out.print(f"{len(tasks)} task(s)")


@tasks_app.command("show")
def tasks_show(path: Path = typer.Argument(..., help="A task folder.")) -> None:
    """Show a task's configuration and instruction."""
    from horizonbench.tasks.loader import load_task

    task = load_task(path)
    out.print(f"[bold]{task.name}[/] ({task.path})")
    out.print_json(task.config.model_dump_json(exclude_defaults=True))
    out.rule("instruction")
    out.print(task.instruction, markup=False, highlight=False)


@tasks_app.command("check")
def tasks_check(
    paths: list[Path] = PathsArg,
    names: list[str] = NameOpt,
    concurrency: int = typer.Option(2, "--concurrency", "-n", help="Trials at once."),
) -> None:
    """Prove tasks sound: image builds, hidden tests absent, oracle passes, nop fails."""
    from horizonbench.tasks.check import check_tasks

    tasks, suites = _load(paths, names, [], [], None, None)
    checks = check_tasks(tasks, suites, concurrency=concurrency)
    table = Table("task", "image", "tests hidden", "oracle", "nop", "ok")
    for c in checks:
        hidden = "-" if c.tests_absent is None else "yes" if c.tests_absent else "[red]NO[/]"
        table.add_row(c.task, c.image, hidden, c.oracle, c.nop, "[green]yes[/]" if c.ok else "[red]no[/]")
    out.print(table)
    bad = [c for c in checks if not c.ok]
    for c in bad:
        for p in c.problems:
            err.print(f"[red]{c.task}[/]: {p}", highlight=False, soft_wrap=True)
    out.print(f"{len(checks) - len(bad)}/{len(checks)} task(s) sound")
    raise typer.Exit(1 if bad else 0)


generate_app = typer.Typer(help="Generate tasks.", no_args_is_help=True)
tasks_app.add_typer(generate_app, name="generate")


@generate_app.command("ladder")
def tasks_generate_ladder(
    length: int = typer.Option(..., "--length", "-n", help="Dependent steps (stages to fix), 1 to 128."),
    seed: int = typer.Option(..., "--seed", "-s", help="Seed: picks domain, names, stages, defects and data."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Task directory to write."),
    force: bool = typer.Option(False, "--force", help="Replace the directory if it exists."),
) -> None:
    """Write a controlled-horizon ladder task: an N-stage pipeline with one defect per stage."""
    from horizonbench.tasks.ladder import generate

    path = generate(length, seed, out_dir, force=force)
    out.print(f"wrote {path}: ladder of {length} step(s), seed {seed}", highlight=False)


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
