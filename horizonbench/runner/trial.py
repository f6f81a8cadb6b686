"""One attempt end to end: image, sandbox, agent, collect, grade, write, clean up."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import docker.errors
import requests.exceptions

from horizonbench.agents.base import Agent, AgentOutcome, Budget, Recorder, TaskView
from horizonbench.agents.gateway import CONTAINER_DIR as GATEWAY_DIR
from horizonbench.errors import HorizonError, ImageBuildError, ImageMissing, RunError
from horizonbench.results.models import Timings, TrialResult
from horizonbench.results.store import RunDir, atomic_write
from horizonbench.sandbox import images
from horizonbench.sandbox.reaper import LABEL_RUN, LABEL_TRIAL
from horizonbench.sandbox.sandbox import Sandbox, make_limits
from horizonbench.scoring import verifier
from horizonbench.secrets import redact, secret_values
from horizonbench.tasks.loader import Task

logger = logging.getLogger(__name__)

DEFAULT_AGENT_TIMEOUT_S = 1800.0
_INFRA = (docker.errors.DockerException, requests.exceptions.RequestException, ConnectionError)


class _AgentInfraError(Exception):
    """The agent reported that it could not work (endpoint down): an error, not a failure."""


class TrialLog(logging.LoggerAdapter[logging.Logger]):
    """Puts the trial id in every record."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        return f"[{self.extra['trial'] if self.extra else ''}] {msg}", kwargs


@dataclass
class TrialSpec:
    trial_id: str
    task: Task
    agent: str
    attempt: int
    model: str | None = None


DISK_POLL_S = 5.0
# cgroup events of the sandbox -> the flag a trial gets when the agent hit that cap
_LIMIT_FLAGS = {"oom_kill": "oom_killed", "pids_max": "pids_limit"}


async def _run_agent(
    agent: Agent, view: TaskView, sandbox: Sandbox, budget: Budget, recorder: Recorder, timeout: float, disk_mb: int
) -> AgentOutcome:
    """The agent under its wall-clock limit, with a watchdog on what it writes to disk (a
    container has no disk quota of its own on most engines)."""

    async def watch_disk() -> float:
        while True:
            await asyncio.sleep(DISK_POLL_S)
            used = await asyncio.to_thread(sandbox.disk_usage_mb)
            if used > disk_mb:
                return used

    work = asyncio.ensure_future(agent.run(view, sandbox, budget, recorder))
    watchdog = asyncio.ensure_future(watch_disk())
    try:
        done, _ = await asyncio.wait({work, watchdog}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for fut in (work, watchdog):
            if not fut.done():
                fut.cancel()
        await asyncio.gather(work, watchdog, return_exceptions=True)
    if work in done:
        return work.result()
    partial = getattr(agent, "partial_outcome", None)
    base = partial if isinstance(partial, AgentOutcome) else AgentOutcome(status="timeout")
    if watchdog in done:
        message = f"the sandbox wrote {watchdog.result():.0f} MiB, over its {disk_mb} MiB"
        return base.model_copy(update={"status": "budget_exhausted", "limit": "disk", "message": message})
    return base.model_copy(
        update={"status": "timeout", "limit": "time", "message": f"agent phase exceeded {timeout:g} s"}
    )


def blank_result(spec: TrialSpec, run_id: str, **fields: Any) -> TrialResult:
    """A result describing the trial, its status ``error`` until something better is known."""
    task = spec.task
    return TrialResult.model_validate(
        {
            "run_id": run_id,
            "trial_id": spec.trial_id,
            "task": task.name,
            "suite": task.suite,
            "family": task.family,
            "agent": spec.agent,
            "model": spec.model,
            "attempt": spec.attempt,
            "status": "error",
            "task_hash": task.content_hash(),
            "difficulty": task.difficulty,
            "tags": task.tags,
            "expert_minutes": task.expert_minutes,
            "horizon_steps": task.steps,
            **fields,
        }
    )


def trial_id(task: str, agent: str, attempt: int) -> str:
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in agent)
    return f"{task}__{safe}__{attempt}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def run_trial(spec: TrialSpec, agent: Agent, run: RunDir, budget: Budget) -> TrialResult:
    """Run one trial and write its result.json. Never raises for what goes wrong inside
    the trial: infrastructure problems become ``error`` results, the agent's
    shortcomings ``failed`` ones."""
    log = TrialLog(logger, {"trial": spec.trial_id})
    task = spec.task
    tdir = run.trial_dir(spec.trial_id)
    try:
        if tdir.exists():  # leftovers of an interrupted earlier attempt at this trial
            shutil.rmtree(tdir)
        tdir.mkdir(parents=True)
        recorder = Recorder(tdir)
    except OSError as exc:
        raise RunError(f"cannot write {tdir}: {exc.strerror or exc}") from None
    t = Timings()
    started_at, t0 = _now(), time.monotonic()
    result = blank_result(
        spec,
        run.run_id,
        started_at=started_at,
    )
    labels = {LABEL_RUN: run.run_id, LABEL_TRIAL: spec.trial_id}
    sandbox: Sandbox | None = None
    mounts: dict[str, str] = {}
    phase = "image"
    try:
        image = await asyncio.to_thread(images.ensure, task)
        result.image, result.image_id = image.tag, image.image_id
        t.image_s = time.monotonic() - t0

        phase = "sandbox"
        s0 = time.monotonic()
        if getattr(agent, "needs_gateway", False):
            # The model gateway's unix socket lives here; the sandbox still has no network.
            gateway_dir = tempfile.mkdtemp(prefix="hb-gw-")
            mounts[gateway_dir] = GATEWAY_DIR
        sandbox = await asyncio.to_thread(
            Sandbox.start,
            image.tag,
            limits=make_limits(**verifier.sandbox_limits(task)),
            workdir=image.workdir,
            env=task.config.environment.env,
            labels=labels,
            mounts=mounts,
        )
        t.start_s = time.monotonic() - s0

        phase = "agent"
        a0 = time.monotonic()
        view = TaskView(
            name=task.name,
            instruction=task.instruction,
            workdir=image.workdir,
            tools=task.tools,
            solution_dir=task.solution_dir if getattr(agent, "needs_solution", False) else None,
        )
        timeout = budget.timeout_s or task.config.agent.timeout_sec or DEFAULT_AGENT_TIMEOUT_S
        outcome = await _run_agent(agent, view, sandbox, budget, recorder, timeout, task.config.environment.storage_mb)
        if outcome.limit == "time":
            log.info("agent timed out after %.0f s", timeout)
        elif outcome.limit == "disk":
            log.warning("agent stopped: %s", outcome.message)
            result.flags.append("disk_limit")
        t.agent_s = time.monotonic() - a0
        result.outcome = outcome
        if outcome.infra_error:
            raise _AgentInfraError(outcome.message or "the agent could not reach its model")

        phase = "collect"
        c0 = time.monotonic()
        killed = await asyncio.to_thread(sandbox.kill_all)
        if killed:
            log.info("killed %d process(es) the agent left running", killed)
        if sandbox.restarts:
            result.flags.append("sandbox_restarted")  # the agent killed the harness's shells
        events = await asyncio.to_thread(sandbox.limit_events)
        result.flags += [flag for key, flag in _LIMIT_FLAGS.items() if events.get(key)]
        diff = ""
        if (await sandbox.aexec("git rev-parse --is-inside-work-tree", timeout=30)).exit_code == 0:
            diff = await asyncio.to_thread(sandbox.diff)
        atomic_write(tdir / "agent.diff", redact(diff, secret_values()))
        t.collect_s = time.monotonic() - c0

        phase = "verifier"
        v0 = time.monotonic()
        verdict, t.test_s = await asyncio.to_thread(verifier.grade, task, image, sandbox, diff, tdir, labels)
        t.verifier_s = time.monotonic() - v0
        result.verdict = verdict
        result.status, result.reward = verdict.status, verdict.reward
        result.flags = [*result.flags, *verdict.flags]
        log.info("%s (%s)", verdict.status, verdict.detail)
    except RunError:
        raise  # the results directory failed (full, read-only): no result can be written; stop the run
    except _AgentInfraError as exc:
        result.error, result.error_kind = str(exc), "agent"
    except (ImageBuildError, ImageMissing) as exc:
        result.error, result.error_kind = str(exc), "image"
    except HorizonError as exc:
        result.error, result.error_kind = str(exc), phase
    except _INFRA as exc:
        result.error, result.error_kind = f"Docker engine: {str(exc).splitlines()[0][:300]}", phase
    except Exception as exc:  # an adapter's bug must not take the run down
        log.exception("unexpected error in phase %s", phase)
        result.error, result.error_kind = f"{type(exc).__name__}: {exc}"[:500], phase
    finally:
        recorder.close()
        if sandbox is not None:
            await asyncio.shield(asyncio.to_thread(sandbox.close, wait=False))
        for host_dir in mounts:
            shutil.rmtree(host_dir, ignore_errors=True)
        t.total_s = time.monotonic() - t0
        result.timings = t
        result.finished_at = _now()
    if result.status == "error":
        log.warning("error in %s: %s", result.error_kind, result.error)
    run.write_result(result)
    return result
