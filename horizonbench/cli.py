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


@agents_app.command("verify")
def agents_verify(agent: str = typer.Argument(..., help="Agent name or module:Class.")) -> None:
    """Conformance kit: drive an adapter against scripted endpoints; exit 1 if a requirement fails."""
    from horizonbench.agents.verify import verify_adapter

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


@images_app.command("base")
def images_base(rebuild: bool = typer.Option(False, help="Build again even if present.")) -> None:
    """Build the base image (from a registry, or offline with debootstrap)."""
    from horizonbench.sandbox import base_image

    info = base_image.ensure(rebuild=rebuild)
    state = "built" if info.built else "present"
    out.print(f"{info.tag} {state}: id {info.image_id[7:19]}, made by {info.method}, {info.size_mb} MB")


@images_app.command("build")
def images_build(paths: list[Path] = typer.Argument(..., help="Suite folders or task folders.")) -> None:
    """Build (or find) the image of every task."""
    from horizonbench.sandbox import images
    from horizonbench.tasks.loader import load_tasks

    tasks, _ = load_tasks(paths)
    for t in tasks:
        img = images.ensure(t)
        out.print(f"{t.name}: {img.tag} ({'built' if img.built else 'present'})")


@images_app.command("save")
def images_save(
    paths: list[Path] = typer.Argument(..., help="Suite folders or task folders."),
    to: Path = typer.Option(..., "--to", help="Directory for the image tars (e.g. a CI cache)."),
) -> None:
    """Save the base image and the tasks' images as tars (skips tars already there)."""
    from horizonbench.sandbox import base_image, images
    from horizonbench.tasks.loader import load_tasks

    tasks, _ = load_tasks(paths)
    tags = [base_image.hashed_tag(), *dict.fromkeys(images.image_tag(t) for t in tasks)]
    path = images.save_images(tags, to)
    out.print(f"{len(tags)} image(s) saved to {path}" if path else f"{len(tags)} image(s) already saved in {to}")


@images_app.command("load")
def images_load(directory: Path = typer.Argument(..., help="Directory of image tars.")) -> None:
    """Load image tars saved by 'images save'."""
    from horizonbench.sandbox import base_image, images

    tags = images.load_images(directory)
    if base_image.info() is not None:
        base_image.ensure()  # re-point horizonbench/base:bookworm at the loaded recipe
    out.print(f"{len(tags)} image tag(s) loaded from {directory}")


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


def _llm_options(
    model: str | None,
    base_url: str | None,
    api_key_env: str | None,
    models_file: Path | None,
    prompt_dir: Path | None,
    agent_opt: list[str],
) -> dict[str, Any]:
    """Options for agents' constructors (each agent gets the ones it accepts)."""
    given: dict[str, Any] = {
        "model": model,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "models_file": models_file,
        "prompt_dir": prompt_dir,
    }
    options = {key: str(v) if isinstance(v, Path) else v for key, v in given.items() if v is not None}
    for item in agent_opt:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--agent-opt {item!r}: expected KEY=VALUE")
        options[key.strip()] = value
    return options


@app.command()
def ci(
    paths: list[Path] = PathsArg,
    baseline: Path = typer.Option(..., "--baseline", help="The stored baseline run directory (results/<run-id>)."),
    agent: str = typer.Option("openai", "--agent", "-a", help="Agent name or module:Class."),
    model: str | None = typer.Option(None, "--model", "-m", help="Model name (models.toml) or id at --base-url."),
    base_url: str | None = typer.Option(None, "--base-url", help="Endpoint base URL."),
    api_key_env: str | None = typer.Option(None, "--api-key-env", help="Environment variable holding the API key."),
    models_file: Path | None = typer.Option(None, "--models", help="A models.toml adding or overriding models."),
    prompt_dir: Path | None = typer.Option(None, "--prompt-dir", help="The candidate's prompt templates."),
    agent_opt: list[str] = typer.Option([], "--agent-opt", help="KEY=VALUE for the agent's constructor (repeatable)."),
    attempts: int = typer.Option(1, "--attempts", "-k", help="Attempts per task."),
    concurrency: int = typer.Option(4, "--concurrency", "-n", help="Trials at once."),
    run_id: str | None = typer.Option(None, "--run-id", help="Run id of the candidate run."),
    results: Path = typer.Option(Path("results"), "--results", help="Results root directory."),
    max_drop: float = typer.Option(0.0, "--max-drop", help="Tolerated drop in pass rate (0.05 = 5 points)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    summary: Path | None = typer.Option(None, "--summary", help="Write the Markdown summary here."),
    junit: Path | None = typer.Option(None, "--junit", help="Write junit.xml here."),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Most model turns per trial."),
    timeout: float | None = typer.Option(None, "--timeout", help="Agent wall-clock limit per trial (seconds)."),
) -> None:
    """Run a suite for a candidate and gate it against a baseline: exit 1 only on a significant regression."""
    from datetime import UTC, datetime

    from horizonbench.agents.base import Budget
    from horizonbench.agents.registry import accepted_options
    from horizonbench.ci import run_ci
    from horizonbench.runner.run import RunOptions

    tasks, suites = _load(paths, [], [], [], None, None)
    llm = _llm_options(model, base_url, api_key_env, models_file, prompt_dir, agent_opt)
    opts = RunOptions(
        run_id=run_id or datetime.now(UTC).strftime("ci-%Y%m%d-%H%M%S"),
        agents=[agent],
        attempts=attempts,
        concurrency=concurrency,
        results_root=results,
        budget=Budget(max_steps=max_steps, timeout_s=timeout),
        agent_options={agent: accepted_options(agent, llm)},
    )
    result = run_ci(
        tasks, suites, opts, baseline, max_drop=max_drop, alpha=alpha, summary_path=summary, junit_path=junit
    )
    out.print(result.summary_markdown, markup=False, highlight=False)
    raise typer.Exit(1 if result.regressed else 0)


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
    k = attempts if attempts is not None else max([s.config.attempts for s in suites], default=1)
    rid = run_id or datetime.now(UTC).strftime("run-%Y%m%d-%H%M%S")
    llm = _llm_options(model, base_url, api_key_env, models_file, prompt_dir, agent_opt)
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

        done = sum(1 for r in RunDir(results, rid).results() if r.status != "error")  # errors are rerun
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


@tasks_app.command("import-swebench")
def tasks_import_swebench(
    instances: Path = typer.Argument(..., help="SWE-bench instances (JSON lines)."),
    repos: Path = typer.Option(..., "--repos", help="Folder of local clones (owner__name or name)."),
    dest: Path = typer.Option(Path("tasks/swebench"), "--out", "-o", help="Suite folder the tasks are written to."),
    requirement: list[str] = typer.Option([], "--requirement", "-r", help="pip requirement of images (repeatable)."),
    overwrite: bool = typer.Option(False, help="Replace task folders that exist."),
) -> None:
    """Turn SWE-bench instances into task folders; unsupported ones are listed with the reason."""
    from horizonbench.tasks.swebench_io import DEFAULT_REQUIREMENTS, import_instances

    report = import_instances(instances, repos, dest, requirement or DEFAULT_REQUIREMENTS, overwrite)
    for path in report.imported:
        out.print(f"imported {path}", highlight=False)
    for iid, reason in report.skipped:
        out.print(f"[yellow]unsupported[/] {iid}: {reason}", highlight=False, soft_wrap=True)
    out.print(f"{len(report.imported)} imported, {len(report.skipped)} unsupported")


@tasks_app.command("export-swebench")
def tasks_export_swebench(
    paths: list[Path] = PathsArg,
    output: Path = typer.Option(Path("swebench-instances.jsonl"), "--output", "-o", help="JSON-lines file to write."),
) -> None:
    """Write swebench-graded tasks as SWE-bench instances (builds their images if needed)."""
    from horizonbench.tasks.swebench_io import export_suite

    rows = export_suite(paths, output)
    out.print(f"{len(rows)} instance(s) written to {output}", highlight=False)


@app.command("score-predictions")
def score_predictions(
    predictions: Path = typer.Argument(..., help="Predictions: instance_id, model_name_or_path, model_patch."),
    suite: list[Path] = typer.Option(..., "--suite", "-s", help="Suite or task folder holding the instances."),
    run_id: str | None = typer.Option(None, "--run-id", help="Report folder name under --results."),
    results: Path = typer.Option(Path("results"), "--results", help="Results root directory."),
    concurrency: int = typer.Option(2, "--concurrency", "-n", help="Predictions graded at once."),
) -> None:
    """Grade published patches like agents' diffs (fresh mode), without running an agent."""
    from datetime import UTC, datetime

    from horizonbench.scoring.predictions import score_predictions as score

    rid = run_id or datetime.now(UTC).strftime("preds-%Y%m%d-%H%M%S")
    report = score(predictions, suite, results, rid, concurrency)
    table = Table("instance", "model", "status", "detail")
    for r in report.results:
        table.add_row(r.instance_id, r.model, r.status, r.detail[:80])
    out.print(table)
    out.print(report.line(), highlight=False, soft_wrap=True)


results_app = typer.Typer(help="Results: export them for analysis elsewhere.", no_args_is_help=True)
claims_app = typer.Typer(help="Vendor claims: check them against results.", no_args_is_help=True)
app.add_typer(results_app, name="results")
app.add_typer(claims_app, name="claims")
RunsArg = typer.Argument(..., help="Run directories (results/<run-id>) or exported .parquet/.csv frames.")


@results_app.command("export")
def results_export(
    runs: list[Path] = RunsArg,
    parquet: Path | None = typer.Option(None, "--parquet", help="Write the results frame to this Parquet file."),
    csv: Path | None = typer.Option(None, "--csv", help="Write the results frame to this CSV file."),
) -> None:
    """Export trials as a table, one row per trial (task, agent, model, status, reward, cost, ...)."""
    from horizonbench.results import export, load

    df = load(runs)
    for path in export(df, parquet=parquet, csv=csv):
        out.print(f"wrote {len(df)} trials to {path}", highlight=False)


@app.command("report")
def report_cmd(
    runs: list[Path] = RunsArg,
    out_dir: Path = typer.Option(..., "--out", help="Directory for report.md, report.html and junit.xml."),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates of the time-horizon fit."),
) -> None:
    """Write report.md, a self-contained report.html with plots, and junit.xml."""
    from horizonbench.results.report import write_report

    files = write_report(runs, out_dir, n_bootstrap=bootstrap)
    for g in files.analysis.groups:
        out.print(
            f"{g.label}: pass@1 {g.rate.estimate:.1%} [{g.rate.low:.1%}, {g.rate.high:.1%}], "
            f"{g.rate.n_errors} error(s)",
            highlight=False,
        )
    out.print(f"wrote {files.markdown}, {files.html}, {files.junit}", highlight=False, soft_wrap=True)


@app.command("compare")
def compare_cmd(
    base: Path = typer.Argument(..., help="The base run (directory or exported frame)."),
    candidate: Path = typer.Argument(..., help="The candidate run."),
    max_drop: float = typer.Option(0.0, "--max-drop", help="Tolerated drop in pass@1, a fraction (0.05: 5 points)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level of the paired test."),
    agent: str | None = typer.Option(None, "--agent", help="Compare only this agent's trials."),
    model: str | None = typer.Option(None, "--model", help="Compare only this model's trials."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the comparison here (Markdown)."),
) -> None:
    """Paired comparison on common tasks; exit 1 only if CANDIDATE is significantly worse by more than --max-drop."""
    from horizonbench.results.gate import compare_paths

    result = compare_paths(base, candidate, max_drop=max_drop, alpha=alpha, agent=agent, model=model)
    text = result.to_markdown()
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    if markdown is not None:
        markdown.write_text(text, encoding="utf-8")
    raise typer.Exit(1 if result.regressed else 0)


@claims_app.command("check")
def claims_check(
    claims: Path = typer.Argument(..., help="A claims.toml file."),
    runs: list[Path] = RunsArg,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any claim is contradicted."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the verdicts here (Markdown)."),
) -> None:
    """Supported / contradicted / inconclusive per claim, with estimate, interval and test (exit 0 unless --strict)."""
    from horizonbench.results import load
    from horizonbench.scoring import check_claims, load_claims, verdicts_to_markdown

    verdicts = check_claims(load_claims(claims), load(runs))
    colour = {"supported": "green", "contradicted": "red", "inconclusive": "yellow"}
    table = Table("claim", "verdict", "estimate", "interval", "test", "detail")
    for v in verdicts:
        estimate = "n/a" if v.estimate is None else f"{v.estimate:.4g}"
        verdict = f"[{colour[v.verdict]}]{v.verdict}[/]"
        table.add_row(v.claim_id, verdict, estimate, f"[{v.low:.4g}, {v.high:.4g}]", v.test, v.detail)
    out.print(table)
    if markdown is not None:
        markdown.write_text(verdicts_to_markdown(verdicts), encoding="utf-8")
    contradicted = sum(v.verdict == "contradicted" for v in verdicts)
    raise typer.Exit(1 if strict and contradicted else 0)


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
