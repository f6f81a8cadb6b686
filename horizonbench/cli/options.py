"""Options shared by commands: task selection, and the one set of run options that
``run`` and ``ci`` both take (agent, endpoint, budget, where trials run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from horizonbench.errors import ConfigError

PathsArg = typer.Argument(..., help="Suite folders or task folders.")
NameOpt = typer.Option([], "--task", "-t", help="Task name or glob (repeatable).")
TagOpt = typer.Option([], "--tag", help="Keep tasks with any of these tags (repeatable).")
DiffOpt = typer.Option([], "--difficulty", help="Keep tasks of this difficulty (repeatable).")
MinOpt = typer.Option(None, "--min-minutes", help="Keep tasks of at least this many expert minutes.")
MaxOpt = typer.Option(None, "--max-minutes", help="Keep tasks of at most this many expert minutes.")

# How numbers are estimated, for `report` and `claims check`.
IntervalOpt = typer.Option(
    "cluster-t", "--interval", help="Interval of pass rates: cluster-t (few-family t) or cluster-normal."
)
HorizonMethodOpt = typer.Option(
    "default", "--horizon-method", help="Horizon method: default, or metr (METR's weights, reg=0.1, bootstrap)."
)
HorizonWeightsOpt = typer.Option(None, "--horizon-weights", help="Horizon task weights: equal or invsqrt_family.")
HorizonRegOpt = typer.Option(None, "--horizon-reg", help="Horizon penalty on METR's scale (sklearn C = 1/reg).")
HorizonIntervalOpt = typer.Option(
    None, "--horizon-interval", help="Horizon interval: family-bootstrap or hierarchical-bootstrap."
)


def horizon_choice(method: str, weights: str | None, reg: float | None, interval: str | None) -> Any:
    """The :class:`horizonbench.scoring.HorizonMethod` that the horizon options describe.

    Raises:
        ScoringInputError: a name or value is unknown or out of range.
    """
    from horizonbench.scoring import horizon_method

    return horizon_method(method, weights=weights, reg=reg, interval=interval)


# The run options of `run` and `ci`, declared once.
AttemptsOpt = typer.Option(None, "--attempts", "-k", help="Attempts per task (default: the suite's).")
ConcurrencyOpt = typer.Option(2, "--concurrency", "-n", help="Trials at once.")
RunIdOpt = typer.Option(None, "--run-id", help="Run id; the same id resumes an unfinished run.")
ResultsOpt = typer.Option(Path("results"), "--results", help="Results root directory.")
TimeoutOpt = typer.Option(None, "--timeout", help="Agent wall-clock limit per trial (seconds).")
ModelOpt = typer.Option(None, "--model", "-m", help="Model name (models.toml) or id at --base-url.")
BaseUrlOpt = typer.Option(None, "--base-url", help="Endpoint base URL (OpenAI- or Anthropic-style).")
ApiKeyEnvOpt = typer.Option(None, "--api-key-env", help="Environment variable holding the API key.")
ModelsFileOpt = typer.Option(None, "--models", help="A models.toml adding or overriding models.")
PromptDirOpt = typer.Option(None, "--prompt-dir", help="Directory of prompt templates to use.")
MaxStepsOpt = typer.Option(None, "--max-steps", help="Most model turns per trial.")
MaxTokensOpt = typer.Option(None, "--max-tokens", help="Most tokens (input + output) per trial.")
MaxCostOpt = typer.Option(None, "--max-cost", help="Most dollars per trial.")
CommandTimeoutOpt = typer.Option(180.0, "--command-timeout", help="Limit of one agent command (seconds).")
AgentOptOpt = typer.Option(
    [], "--agent-opt", help="KEY=VALUE for the agent's constructor (repeatable; `agents list` shows each one's)."
)
ToolCallsOpt = typer.Option(
    None, "--tool-calls", help="LLM adapters: native (the tools field), text (tools in the prompt) or auto (both)."
)
ContextWindowOpt = typer.Option(
    None, "--context-window", help="The model's context in tokens, where the server does not say (llama.cpp /props)."
)
MaxOutputTokensOpt = typer.Option(None, "--max-output-tokens", help="max_tokens of each model request.")
ExecutorOpt = typer.Option("local", "--executor", help="Where trials run: local (this host) or dask.")
SchedulerOpt = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://HOST:PORT).")
LocalWorkersOpt = typer.Option(None, "--local-workers", help="Start N local Dask workers instead.")
NetworkOpt = typer.Option(
    "on",
    "--network",
    help="on: tasks that need network get the egress proxy (containers keep none); off: their trials are errors.",
)

# How task images come to be, for `run`, `ci` and `tasks check`.
ForceBuildOpt = typer.Option(
    False, "--force-build", help="Build task images from environment/ even where their docker_image can be pulled."
)
ImageMapOpt = typer.Option(
    [],
    "--image-map",
    help="SRC=DST: use image DST wherever a task's docker_image or a Dockerfile's FROM names SRC (repeatable).",
)
ImageMapFileOpt = typer.Option(
    [], "--image-map-file", help='A TOML file of "SRC" = "DST" stand-in pairs (repeatable; --image-map wins).'
)


def image_policy(force_build: bool, image_map: list[str], image_map_file: list[Path]) -> Any:
    """The :class:`horizonbench.models.ImagePolicy` the image options describe.

    Raises:
        ConfigError: a bad ``--image-map`` pair or image-map file (the message names the file and line).
    """
    from horizonbench.sandbox.image_map import policy

    return policy(force_build, image_map, image_map_file)


def load_selected(
    paths: list[Path],
    names: list[str],
    tags: list[str],
    difficulty: list[str],
    min_minutes: float | None,
    max_minutes: float | None,
) -> tuple[list[Any], list[Any]]:
    """The tasks of ``paths`` that the filters keep, and their suites."""
    from horizonbench.tasks.loader import load_tasks, select

    tasks, suites = load_tasks(paths)
    return select(
        tasks, names=names, tags=tags, difficulty=difficulty, min_minutes=min_minutes, max_minutes=max_minutes
    ), suites


@dataclass
class RunFlags:
    """What the shared run options said, before they become :class:`RunOptions`."""

    agents: list[str]
    attempts: int | None
    concurrency: int
    run_id: str | None
    results: Path
    timeout: float | None
    model: str | None
    base_url: str | None
    api_key_env: str | None
    models_file: Path | None
    prompt_dir: Path | None
    max_steps: int | None
    max_tokens: int | None
    max_cost: float | None
    command_timeout: float
    agent_opt: list[str]
    tool_calls: str | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    network: str = "on"
    force_build: bool = False
    image_map: list[str] = field(default_factory=list)
    image_map_file: list[Path] = field(default_factory=list)

    def agent_options(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Options for agents' constructors: the run-wide flags, and the ``--agent-opt`` values.

        Raises:
            ConfigError: an ``--agent-opt`` is not KEY=VALUE.
        """
        given: dict[str, Any] = {
            "model": self.model,
            "base_url": self.base_url,
            "api_key_env": self.api_key_env,
            "models_file": self.models_file,
            "prompt_dir": self.prompt_dir,
            "tool_calls": self.tool_calls,
            "context_window": self.context_window,
            "max_output_tokens": self.max_output_tokens,
        }
        general = {key: str(v) if isinstance(v, Path) else v for key, v in given.items() if v is not None}
        explicit: dict[str, str] = {}
        for item in self.agent_opt:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"--agent-opt {item!r}: expected KEY=VALUE")
            explicit[key.strip()] = value
        return general, explicit

    def typed_agent_options(self) -> dict[str, dict[str, Any]]:
        """Each agent's constructor options, converted to the types it declares.

        Raises:
            ConfigError: a bad ``--agent-opt`` (malformed, taken by no agent, or of the wrong type).
        """
        from horizonbench.agents.registry import check_explicit, typed_options

        general, explicit = self.agent_options()
        check_explicit(self.agents, explicit)
        return {a: typed_options(a, general, explicit) for a in self.agents}

    def run_options(self, suites: list[Any], default_run_id: str) -> Any:
        """The :class:`horizonbench.runner.RunOptions` these flags describe."""
        from datetime import UTC, datetime

        from horizonbench.agents.base import Budget
        from horizonbench.runner.executor import RunOptions

        agent_options = self.typed_agent_options()
        if self.network not in ("on", "off"):
            raise ConfigError(f"--network {self.network!r}: expected on or off")
        k = self.attempts if self.attempts is not None else max([s.config.attempts for s in suites], default=1)
        return RunOptions(
            run_id=self.run_id or datetime.now(UTC).strftime(default_run_id),
            agents=list(self.agents),
            attempts=k,
            concurrency=self.concurrency,
            results_root=self.results,
            budget=Budget(
                timeout_s=self.timeout,
                max_steps=self.max_steps,
                max_tokens=self.max_tokens,
                max_cost_usd=self.max_cost,
                command_timeout_s=self.command_timeout,
                network=None if self.network == "on" else False,
            ),
            agent_options=agent_options,
            images=image_policy(self.force_build, self.image_map, self.image_map_file),
        )
