"""A multi-step task (``[[steps]]``) as Harbor runs it: one sandbox; for each step in
order, its ``workdir/`` files and ``setup.sh``, the agent on the step's instruction, the
step's collection and its verifier; a step whose reward is below its ``min_reward`` stops
the ones after it. Each step is reported like a milestone (name, passed, reward); the
trial's reward is the mean of the verified steps' rewards (steps not run do not count,
as in Harbor) or, with ``multi_step_reward_strategy = "final"``, the last verified one's."""

from __future__ import annotations

import asyncio
import logging
import shlex
from pathlib import Path
from typing import Protocol

from horizonbench.agents.base import Recorder
from horizonbench.errors import TaskError
from horizonbench.models import TrialResult, Verdict
from horizonbench.models.agent import AgentOutcome
from horizonbench.models.result import MilestoneResult
from horizonbench.results.store import write_redacted
from horizonbench.sandbox.images import TaskImage
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.tasks.loader import Task

logger = logging.getLogger(__name__)


class StepTrial(Protocol):
    """The phases of a trial that a multi-step run drives (:class:`~horizonbench.runner.trial.Trial`)."""

    task: Task
    dir: Path
    phase: str
    sb: Sandbox | None
    task_image: TaskImage | None
    recorder: Recorder | None
    result: TrialResult
    diff: str

    async def agent_phase(self, task: Task | None = None) -> None: ...

    async def collect(self, task: Task | None = None, out_dir: Path | None = None) -> None: ...

    async def verify(self, task: Task | None = None, out_dir: Path | None = None) -> Verdict: ...


def below_min_reward(reward: float, min_reward: float | dict[str, float] | None) -> str | None:
    """Why a step's reward stops the later steps, or None. Only the ``reward`` key is known
    here; another key of a table is missing, which Harbor counts as below any threshold."""
    if min_reward is None:
        return None
    thresholds = {"reward": min_reward} if isinstance(min_reward, int | float) else min_reward
    for key, threshold in thresholds.items():
        actual = reward if key == "reward" else float("-inf")
        if actual < threshold:
            return f"{key} {actual:g} is below min_reward {threshold:g}"
    return None


def _sum_outcomes(outcomes: list[AgentOutcome]) -> AgentOutcome:
    """The last step's outcome, with the usage of every step added up."""
    last = outcomes[-1]
    return last.model_copy(
        update={
            "steps": sum(o.steps for o in outcomes),
            "input_tokens": sum(o.input_tokens for o in outcomes),
            "cached_input_tokens": sum(o.cached_input_tokens for o in outcomes),
            "output_tokens": sum(o.output_tokens for o in outcomes),
            "cost_usd": sum(o.cost_usd for o in outcomes),
            "malformed_tool_calls": sum(o.malformed_tool_calls for o in outcomes),
            "retries": sum(o.retries for o in outcomes),
        }
    )


async def _prepare(trial: StepTrial, task: Task) -> None:
    """The step's ``workdir/`` files go into the working directory; its ``setup.sh`` runs.

    Raises:
        TaskError: setup.sh failed (the task's fault, not the agent's: an error of kind setup).
    """
    assert trial.sb is not None and trial.task_image is not None and task.step is not None
    files = task.step_dir(task.step) / "workdir"
    if not files.is_dir():
        return
    workdir = trial.task_image.workdir
    await asyncio.to_thread(trial.sb.put_dir, files, workdir)
    if (files / "setup.sh").is_file():
        trial.phase = "setup"
        script = shlex.quote(f"{workdir.rstrip('/')}/setup.sh")
        res = await trial.sb.aexec(f"bash {script}", cwd=workdir, timeout=600)
        if res.exit_code != 0:
            raise TaskError(f"step {task.step}: setup.sh exited {res.exit_code}: {res.output.strip()[-300:]}")


async def run_steps(trial: StepTrial) -> None:
    """Run every step of ``trial``'s task and set its verdict, status and reward."""
    base = trial.task
    steps = base.config.steps or []
    assert trial.recorder is not None
    reports: list[MilestoneResult] = []
    verdicts: list[Verdict] = []
    outcomes: list[AgentOutcome] = []
    stopped = ""
    for index, step in enumerate(steps):
        task = base.for_step(index)
        out = trial.dir / "steps" / step.name
        out.mkdir(parents=True, exist_ok=True)
        trial.recorder.record("note", text=f"step {index + 1}/{len(steps)}: {step.name}")
        logger.info("step %d/%d: %s", index + 1, len(steps), step.name)
        await _prepare(trial, task)
        await trial.agent_phase(task)
        if trial.result.outcome is not None:
            outcomes.append(trial.result.outcome)
        await trial.collect(task, out)
        verdict = await trial.verify(task, out)
        verdicts.append(verdict)
        reports.append(
            MilestoneResult(
                name=step.name, passed=verdict.status == "passed", reward=verdict.reward, detail=verdict.detail
            )
        )
        why = below_min_reward(verdict.reward, step.min_reward)
        if why:
            stopped = f"step {step.name}: {why}; the steps after it did not run"
            logger.info("%s", stopped)
            break
    reports += [MilestoneResult(name=s.name, passed=False, detail="not run") for s in steps[len(reports) :]]
    _summary_files(trial, [s.name for s in steps[: len(verdicts)]])
    if outcomes:
        trial.result.outcome = _sum_outcomes(outcomes)
    trial.result.verdict = verdict = combine(base, reports, verdicts, stopped)
    trial.result.status, trial.result.reward = verdict.status, verdict.reward
    trial.result.flags = [*trial.result.flags, *verdict.flags]
    logger.info("%s (%s)", verdict.status, verdict.detail)


def _summary_files(trial: StepTrial, names: list[str]) -> None:
    """The trial's own agent.diff (the change as the last step left it) and verifier.log
    (every step's, under a heading), where viewers look for them; each step keeps its own
    under steps/<name>/."""
    write_redacted(trial.dir / "agent.diff", trial.diff)
    parts = []
    for name in names:
        log = trial.dir / "steps" / name / "verifier.log"
        if log.is_file():
            parts.append(f"=== step {name} ===\n{log.read_text(encoding='utf-8', errors='replace')}")
    write_redacted(trial.dir / "verifier.log", "\n".join(parts))


def combine(task: Task, reports: list[MilestoneResult], verdicts: list[Verdict], stopped: str) -> Verdict:
    """The trial's verdict from its steps' (Harbor's reward strategies; passed at reward 1)."""
    rewards = [v.reward for v in verdicts]
    strategy = task.config.multi_step_reward_strategy or "mean"
    reward = rewards[-1] if strategy == "final" else sum(rewards) / len(rewards)
    flags = list(dict.fromkeys(f for v in verdicts for f in v.flags))
    done = sum(r.passed for r in reports)
    furthest = -1
    for i, report in enumerate(reports):
        if not report.passed:
            break
        furthest = i
    detail = f"{done}/{len(reports)} steps passed; reward {reward:g} ({strategy})"
    last = verdicts[-1]
    return Verdict(
        status="passed" if reward >= 1.0 else "failed",
        reward=reward,
        grader=last.grader,
        mode=last.mode,
        milestones=reports,
        furthest_milestone=furthest,
        exit_code=last.exit_code,
        flags=flags,
        review=list(dict.fromkeys(line for v in verdicts for line in v.review)),
        detail=f"{detail}; {stopped}" if stopped else detail,
    )
