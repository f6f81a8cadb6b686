"""``horizonbench run`` and ``horizonbench ci``: the same run options, one set."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer

from horizonbench.cli.app import app, err, out
from horizonbench.cli.deciding import AlphaOpt, SeqCorrectionOpt, UntilDecidedOpt, run_until_decided_cli
from horizonbench.cli.options import (
    AgentOptOpt,
    ApiKeyEnvOpt,
    AttemptsOpt,
    BaseUrlOpt,
    CommandTimeoutOpt,
    ConcurrencyOpt,
    ContextWindowOpt,
    DiffOpt,
    ExecutorOpt,
    ForceBuildOpt,
    ImageMapFileOpt,
    ImageMapOpt,
    LocalWorkersOpt,
    MaxCostOpt,
    MaxOpt,
    MaxOutputTokensOpt,
    MaxStepsOpt,
    MaxTokensOpt,
    MinOpt,
    ModelOpt,
    ModelsFileOpt,
    NameOpt,
    NetworkOpt,
    PathsArg,
    PromptDirOpt,
    ResultsOpt,
    RunFlags,
    RunIdOpt,
    SchedulerOpt,
    TagOpt,
    TimeoutOpt,
    ToolCallsOpt,
    load_selected,
)
from horizonbench.errors import ConfigError


def _execute(tasks: list[Any], suites: list[Any], opts: Any, executor: Any, progress: bool) -> Any:
    from horizonbench.results.store import RunDir
    from horizonbench.runner.progress import run_progress
    from horizonbench.runner.run import execute

    if not progress:
        return asyncio.run(execute(tasks, suites, opts, executor=executor))
    total = len(tasks) * len(opts.agents) * opts.attempts
    done = sum(1 for r in RunDir(opts.results_root, opts.run_id).results() if r.status != "error")  # errors rerun
    with run_progress(total, min(done, total), err) as update:
        return asyncio.run(execute(tasks, suites, opts, update, executor))


@app.command()
def run(
    paths: list[Path] = PathsArg,
    agent: list[str] = typer.Option(["oracle"], "--agent", "-a", help="Agent name or module:Class (repeatable)."),
    attempts: int | None = AttemptsOpt,
    concurrency: int = ConcurrencyOpt,
    run_id: str | None = RunIdOpt,
    results: Path = ResultsOpt,
    timeout: float | None = TimeoutOpt,
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    api_key_env: str | None = ApiKeyEnvOpt,
    models_file: Path | None = ModelsFileOpt,
    prompt_dir: Path | None = PromptDirOpt,
    max_steps: int | None = MaxStepsOpt,
    max_tokens: int | None = MaxTokensOpt,
    max_cost: float | None = MaxCostOpt,
    command_timeout: float = CommandTimeoutOpt,
    agent_opt: list[str] = AgentOptOpt,
    tool_calls: str | None = ToolCallsOpt,
    context_window: int | None = ContextWindowOpt,
    max_output_tokens: int | None = MaxOutputTokensOpt,
    names: list[str] = NameOpt,
    tags: list[str] = TagOpt,
    difficulty: list[str] = DiffOpt,
    min_minutes: float | None = MinOpt,
    max_minutes: float | None = MaxOpt,
    progress: bool = typer.Option(True, help="Show a progress bar."),
    executor: str = ExecutorOpt,
    scheduler: str | None = SchedulerOpt,
    local_workers: int | None = LocalWorkersOpt,
    network: str = NetworkOpt,
    force_build: bool = ForceBuildOpt,
    image_map: list[str] = ImageMapOpt,
    image_map_file: list[Path] = ImageMapFileOpt,
    until_decided: Path | None = UntilDecidedOpt,
    alpha: float = AlphaOpt,
    correction: str = SeqCorrectionOpt,
    fingerprint: str | None = typer.Option(
        None, "--fingerprint", help="The endpoint's fingerprint file (endpoints probe), or 'probe' to take one first."
    ),
) -> None:
    """Run agents on tasks; write results/<run-id>/."""
    from horizonbench.runner.run import make_executor

    where = make_executor(executor, scheduler, local_workers)
    tasks, suites = load_selected(paths, names, tags, difficulty, min_minutes, max_minutes)
    flags = RunFlags(
        agent, attempts, concurrency, run_id, results, timeout, model, base_url, api_key_env, models_file,
        prompt_dir, max_steps, max_tokens, max_cost, command_timeout, agent_opt, tool_calls, context_window,
        max_output_tokens, network, force_build, image_map, image_map_file,
    )  # fmt: skip
    opts = flags.run_options(suites, "run-%Y%m%d-%H%M%S")
    if fingerprint is not None:
        opts.endpoint_fingerprint = endpoint_fingerprint(fingerprint, flags)
    if until_decided is not None:  # rounds of one attempt until every claim is decided
        return run_until_decided_cli(tasks, suites, opts, where, until_decided, alpha, correction)
    summary = _execute(tasks, suites, opts, where, progress)
    out.print(summary.line(), highlight=False, soft_wrap=True)


def endpoint_fingerprint(given: str, flags: RunFlags) -> Any:
    """The fingerprint ``--fingerprint`` names: a file, or ``probe`` (the run's endpoint, probed now).

    Raises:
        ConfigError: no such file, or nothing to probe.
    """
    from horizonbench.workflows import fingerprint as fp

    if given != "probe":
        return fp.load(Path(given))
    if not flags.model:
        raise ConfigError("--fingerprint probe needs --model (and --base-url for a self-served endpoint)")
    from horizonbench.agents.endpoints import resolve

    spec = resolve(
        flags.model,
        models_file=flags.models_file,
        base_url=flags.base_url,
        api_key_env=flags.api_key_env,
    )
    if spec.provider != "openai":
        raise ConfigError(f"--fingerprint probe: {spec.name} speaks {spec.provider}; probes use the OpenAI protocol")
    with err.status(f"probing {spec.base_url} ({spec.model_id})"):
        return fp.probe_endpoint(spec.model_id, spec.base_url, api_key=spec.api_key())


@app.command()
def ci(
    paths: list[Path] = PathsArg,
    baseline: Path = typer.Option(..., "--baseline", help="The stored baseline run directory (results/<run-id>)."),
    agent: str = typer.Option("openai", "--agent", "-a", help="Agent name or module:Class."),
    attempts: int | None = AttemptsOpt,
    concurrency: int = typer.Option(4, "--concurrency", "-n", help="Trials at once."),
    run_id: str | None = RunIdOpt,
    results: Path = ResultsOpt,
    timeout: float | None = TimeoutOpt,
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    api_key_env: str | None = ApiKeyEnvOpt,
    models_file: Path | None = ModelsFileOpt,
    prompt_dir: Path | None = typer.Option(None, "--prompt-dir", help="The candidate's prompt templates."),
    max_steps: int | None = MaxStepsOpt,
    max_tokens: int | None = MaxTokensOpt,
    max_cost: float | None = MaxCostOpt,
    command_timeout: float = CommandTimeoutOpt,
    agent_opt: list[str] = AgentOptOpt,
    tool_calls: str | None = ToolCallsOpt,
    context_window: int | None = ContextWindowOpt,
    max_output_tokens: int | None = MaxOutputTokensOpt,
    names: list[str] = NameOpt,
    tags: list[str] = TagOpt,
    max_drop: float = typer.Option(0.0, "--max-drop", help="Tolerated drop in pass rate (0.05 = 5 points)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    summary: Path | None = typer.Option(None, "--summary", help="Write the Markdown summary here."),
    junit: Path | None = typer.Option(None, "--junit", help="Write junit.xml here."),
    executor: str = ExecutorOpt,
    scheduler: str | None = SchedulerOpt,
    local_workers: int | None = LocalWorkersOpt,
    network: str = NetworkOpt,
    force_build: bool = ForceBuildOpt,
    image_map: list[str] = ImageMapOpt,
    image_map_file: list[Path] = ImageMapFileOpt,
) -> None:
    """Run a suite for a candidate and gate it against a baseline: exit 1 only on a significant regression."""
    from horizonbench.runner.run import make_executor
    from horizonbench.workflows.regression_gate import run_ci

    where = make_executor(executor, scheduler, local_workers)
    tasks, suites = load_selected(paths, names, tags, [], None, None)
    flags = RunFlags(
        [agent], attempts, concurrency, run_id, results, timeout, model, base_url, api_key_env, models_file,
        prompt_dir, max_steps, max_tokens, max_cost, command_timeout, agent_opt, tool_calls, context_window,
        max_output_tokens, network, force_build, image_map, image_map_file,
    )  # fmt: skip
    opts = flags.run_options(suites, "ci-%Y%m%d-%H%M%S")
    result = run_ci(
        tasks,
        suites,
        opts,
        baseline,
        max_drop=max_drop,
        alpha=alpha,
        summary_path=summary,
        junit_path=junit,
        executor=where,
    )
    out.print(result.summary_markdown, markup=False, highlight=False)
    raise typer.Exit(1 if result.regressed else 0)
