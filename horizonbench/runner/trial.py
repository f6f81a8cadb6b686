"""One attempt end to end, as named phases: image, sandbox, agent, collect, grade; then write and clean up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docker.errors
import requests.exceptions

from horizonbench.agents.base import Agent, AgentOutcome, Budget, Recorder, TaskView
from horizonbench.agents.gateway import CONTAINER_DIR as GATEWAY_DIR
from horizonbench.errors import HorizonError, ImageBuildError, ImageMissing, RunError, SandboxError, SessionDied
from horizonbench.grading import grade as verifier
from horizonbench.logs import trial_context
from horizonbench.models import ImagePolicy, Timings, TrialResult, Verdict
from horizonbench.results.store import RunDir, write_redacted
from horizonbench.runner.artifacts import collect_artifacts, run_collect_hooks, step_artifacts
from horizonbench.runner.steps import run_steps
from horizonbench.sandbox import images
from horizonbench.sandbox.limits import make_limits
from horizonbench.sandbox.reaper import LABEL_RUN, LABEL_TRIAL
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.sandbox.trial_network import TrialNetwork
from horizonbench.tasks import soundness
from horizonbench.tasks.loader import Task

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

DEFAULT_AGENT_TIMEOUT_S = 1800.0
_INFRA = (docker.errors.DockerException, requests.exceptions.RequestException, ConnectionError)


class _AgentInfraError(Exception):
    """The agent reported that it could not work (endpoint down): an error, not a failure."""


class _VerifierTimedOut(Exception):
    """The reference solution's tests ran out of time: the environment's doing (an error)."""


class _NetworkUnreachable(Exception):
    """The verifier's tests needed a host that did not answer: an infrastructure error."""


class _UnsoundInstance(Exception):
    """The task's own gold patch does not resolve it here (or nothing needs fixing): an
    environment error, never the agent's failure."""


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
    partial = agent.partial_outcome
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
            "task_created": task.created,
            "variant_of": task.variant_of,
            "horizon_steps": task.steps,
            **fields,
        }
    )


def trial_id(task: str, agent: str, attempt: int) -> str:
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in agent)
    return f"{task}__{safe}__{attempt}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Trial:
    """One attempt as named phases: :meth:`image`, :meth:`sandbox`, :meth:`agent`,
    :meth:`collect`, :meth:`grade`. :meth:`run` calls them in order and turns what goes
    wrong in a phase into an ``error`` result of that kind (``image``, ``sandbox``,
    ``agent``, ``collect``, ``verifier``); the agent's shortcomings become ``failed``."""

    def __init__(
        self, spec: TrialSpec, agent: Agent, run: RunDir, budget: Budget, image_policy: ImagePolicy | None = None
    ) -> None:
        self.spec, self.agent, self.run_dir, self.budget = spec, agent, run, budget
        self.image_policy = image_policy or ImagePolicy()
        self.task = spec.task
        self.dir = run.trial_dir(spec.trial_id)
        self.labels = {LABEL_RUN: run.run_id, LABEL_TRIAL: spec.trial_id}
        self.timings = Timings()
        self.result = blank_result(spec, run.run_id, started_at=_now())
        self.phase = "harness"
        self.sb: Sandbox | None = None
        self.clean: asyncio.Future[Sandbox] | None = None
        """Fresh mode: the grading container, started while the agent works."""
        self.task_image: images.TaskImage | None = None
        self.recorder: Recorder | None = None
        self.mounts: dict[str, str] = {}
        self.diff = ""
        self.net = TrialNetwork(spec.task.name, spec.task.config, self.dir)
        """The task's network: egress proxy directories and one proxy per phase that has network."""

    async def run(self) -> TrialResult:
        """Run the phases, write result.json, and clean up. Never raises for what goes wrong
        inside the trial, only :class:`RunError` when the results directory cannot be written."""
        with trial_context(self.spec.trial_id):
            t0 = time.monotonic()
            self._open_dir()
            try:
                for phase in self._phases():
                    await phase()
            except RunError:
                raise  # the results directory failed (full, read-only): no result can be written; stop the run
            except Exception as exc:
                self._book_error(exc)
            finally:
                await self._clean_up()
                self.timings.total_s = time.monotonic() - t0
                self.result.timings = self.timings
                self.result.finished_at = _now()
            if self.result.status == "error":
                logger.warning("error in %s: %s", self.result.error_kind, self.result.error)
            self.run_dir.write_result(self.result)
            return self.result

    def _phases(self) -> tuple[Callable[[], Awaitable[None]], ...]:
        if self.task.is_multi_step:
            # One sandbox; each step's agent, collection and verifier in turn (:mod:`.steps`).
            return (self.image, self.sandbox, self.steps)
        return (self.image, self.sandbox, self.agent_phase, self.collect, self.grade)

    async def steps(self) -> None:
        """A multi-step task's steps, in order, in the one sandbox (:func:`run_steps`)."""
        await run_steps(self)

    def _open_dir(self) -> None:
        try:
            if self.dir.exists():  # leftovers of an interrupted earlier attempt at this trial
                shutil.rmtree(self.dir)
            self.dir.mkdir(parents=True)
            self.recorder = Recorder(self.dir, trial_id=self.spec.trial_id)
        except OSError as exc:
            raise RunError(f"cannot write {self.dir}: {exc.strerror or exc}") from None

    async def image(self) -> None:
        """The task's image: reused, pulled, built or a stand-in (the result records which)."""
        self._check_network()
        self.phase = "sandbox"
        make_limits(**verifier.sandbox_limits(self.task))  # limits this host cannot give: before the image
        self.phase = "image"
        t0 = time.monotonic()
        self.task_image = await asyncio.to_thread(images.ensure, self.task, policy=self.image_policy)
        self.result.image, self.result.image_id = self.task_image.tag, self.task_image.image_id
        self.result.image_origin = self.task_image.origin
        self.timings.image_s = time.monotonic() - t0

    async def sandbox(self) -> None:
        """The agent's container: no network, capped, labelled for the reaper."""
        self.phase = "sandbox"
        assert self.task_image is not None
        t0 = time.monotonic()
        if self.agent.needs_gateway:
            # The model gateway's unix socket lives here; the sandbox still has no network.
            self.mounts[tempfile.mkdtemp(prefix="hb-gw-")] = GATEWAY_DIR
        self.mounts |= self.net.agent_mounts()  # the egress proxy's socket, where a phase has network
        self.sb = await asyncio.to_thread(
            Sandbox.start,
            self.task_image.tag,
            limits=make_limits(**verifier.sandbox_limits(self.task)),
            workdir=self.task_image.workdir,
            env=self.task.config.environment.env,
            # The agent phase's proxy goes to its shells, not into the container's config: a
            # same-mode snapshot of the container must not carry it to the verifier.
            session_env=self.net.agent_env(),
            labels=self.labels,
            mounts=self.mounts,
        )
        self.timings.start_s = time.monotonic() - t0
        if self.task.grading_mode == "fresh":
            self.clean = asyncio.ensure_future(
                asyncio.to_thread(
                    verifier.start_clean, self.task, self.task_image, self.labels, self.net.grader_mounts()
                )
            )

    async def agent_phase(self, task: Task | None = None) -> None:
        """The agent at work, under its wall-clock limit and the disk watchdog (``task``: a
        step of a multi-step task, else the trial's task).

        Raises:
            _AgentInfraError: the agent could not reach its model (an error, not a failure).
        """
        self.phase = "agent"
        assert self.sb is not None and self.task_image is not None and self.recorder is not None
        t0 = time.monotonic()
        task = task or self.task
        timeout = self.budget.timeout_s or task.config.agent.timeout_sec or DEFAULT_AGENT_TIMEOUT_S
        needs_solution = self.agent.needs_solution
        view = TaskView(
            name=task.name,
            instruction=task.instruction,
            workdir=self.task_image.workdir,
            tools=task.tools,
            solution_dir=task.solution_dir if needs_solution else None,
            solution_env=dict(task.config.solution.env) if needs_solution else {},
            timeout_s=timeout,
        )
        async with self.net.phase("agent", self.sb):
            outcome = await _run_agent(
                self.agent, view, self.sb, self.budget, self.recorder, timeout, task.config.environment.storage_mb
            )
        if outcome.limit == "time":
            logger.info("agent timed out after %.0f s", timeout)
        elif outcome.limit == "disk":
            logger.warning("agent stopped: %s", outcome.message)
            self.result.flags.append("disk_limit")
        self.timings.agent_s += time.monotonic() - t0
        self.result.outcome = outcome
        if outcome.infra_error:
            raise _AgentInfraError(outcome.message or "the agent could not reach its model")

    async def collect(self, task: Task | None = None, out_dir: Path | None = None) -> None:
        """Read the caps the agent hit, run the task's collect hooks, gather its artifacts
        into the trial's directory (``out_dir`` for a step) and read the agent's change. For
        fresh-mode grading, what it left running is stopped first (its change is taken as it
        stands); same-mode grading keeps it running beside the tests, which it cannot reach
        (:mod:`horizonbench.grading.grade`)."""
        self.phase = "collect"
        sb = self.sb
        task = task or self.task
        out_dir = out_dir or self.dir
        assert sb is not None and self.task_image is not None
        t0 = time.monotonic()
        if self.task.grading_mode == "fresh":
            killed = await asyncio.to_thread(sb.kill_all)
            if killed:
                logger.info("killed %d process(es) the agent left running", killed)
        if sb.restarts:
            self.result.flags.append("sandbox_restarted")  # the agent killed the harness's shells
        try:
            events = await asyncio.to_thread(sb.limit_events)
        except (SessionDied, SandboxError):
            events = None
        if events is None:
            # Nothing can run beside what the agent left (a fork bomb at the pids cap, a
            # loop killing every shell): grading could not either, so it goes, services too.
            killed = await asyncio.to_thread(sb.kill_all)
            logger.info("killed %d process(es) the agent left: the sandbox was at its process cap", killed)
            self.result.flags.append("leftovers_killed")
            events = await asyncio.to_thread(sb.limit_events) or {}
        self.result.flags += [flag for key, flag in _LIMIT_FLAGS.items() if events.get(key)]
        # Only now, with room for a process beside what the agent left (checked above).
        await asyncio.to_thread(run_collect_hooks, task, sb, self.task_image.workdir)
        specs = [*task.config.artifacts, *step_artifacts(task)]
        await asyncio.to_thread(collect_artifacts, sb, specs, out_dir / "artifacts", self.task_image.workdir)
        if (await sb.aexec("git rev-parse --is-inside-work-tree", timeout=30)).exit_code == 0:
            self.diff = await asyncio.to_thread(sb.diff)
        write_redacted(out_dir / "agent.diff", self.diff)
        self.timings.collect_s += time.monotonic() - t0

    async def grade(self) -> None:
        """The hidden tests decide (they enter only now)."""
        verdict = await self.verify()
        result = self.result
        if result.agent == "oracle" and verdict.status != "passed":
            self._reference_failed(verdict)
        result.verdict = verdict
        # What tasks check (or score-predictions) found for this exact task content: where
        # the gold patch does not resolve it, the verdict says nothing about the agent.
        # The oracle and nop are the check itself, so they are never judged by it.
        sound = soundness.cached(self.task) if result.agent not in ("oracle", "nop") else None
        if sound is not None and not sound.sound:
            raise _UnsoundInstance(f"instance is not sound in this environment: {sound.reason()}")
        result.status, result.reward = verdict.status, verdict.reward
        result.flags = [*result.flags, *verdict.flags]
        logger.info("%s (%s)", verdict.status, verdict.detail)

    async def verify(self, task: Task | None = None, out_dir: Path | None = None) -> Verdict:
        """Run the hidden tests of ``task`` (a step, else the trial's task), their logs in
        ``out_dir`` (else the trial's directory), and return the verdict.

        Raises:
            _NetworkUnreachable: the tests could not fetch what they needed (an error).
        """
        self.phase = "verifier"
        assert self.task_image is not None
        t0 = time.monotonic()
        clean = None
        if self.clean is not None:
            clean, self.clean = await self.clean, None  # grade() closes it
        async with self.net.phase("verifier"):
            verdict, test_s = await asyncio.to_thread(
                verifier.grade,
                task or self.task,
                self.task_image,
                self.sb,
                self.diff,
                out_dir or self.dir,
                self.labels,
                clean,
                self.net.grader_mounts(),
            )
        self.timings.test_s += test_s
        self.timings.verifier_s += time.monotonic() - t0
        hosts = self.net.unreachable.get("verifier")
        if hosts and verdict.status != "passed":
            # The tests fetch what they need (Terminal-Bench's test.sh downloads uv and pytest):
            # where the outside did not answer, they did not run as written.
            raise _NetworkUnreachable(
                f"the verifier could not reach {', '.join(sorted(hosts))} through the egress proxy, so its tests "
                f"did not run as written ({verdict.detail}); not booked against the agent: see network.jsonl "
                "and verifier.log in the trial's directory"
            )
        return verdict

    def _reference_failed(self, verdict: Verdict) -> None:
        """The reference solution is trusted where a model's attempt is not: where it failed
        for want of the outside world or of time, the environment failed, not the solution.
        (A model agent's attempt that fails so stays a failure, flagged: an agent could
        otherwise turn its failures into errors by fetching an unreachable host or by
        making the tests hang.)

        Raises:
            _NetworkUnreachable: its solution could not fetch what it needs.
            _VerifierTimedOut: its tests ran out of time.
        """
        hosts = self.net.unreachable.get("agent")
        if hosts:
            raise _NetworkUnreachable(
                f"the reference solution could not reach {', '.join(sorted(hosts))} through the egress proxy, so it "
                f"did not run as written ({verdict.detail}); not a verdict on the task: see network.jsonl and "
                "agent.log in the trial's directory"
            )
        if "verifier_timeout" in verdict.flags:
            limit = self.task.config.verifier.timeout_sec
            raise _VerifierTimedOut(
                f"the tests ran out of time ({limit:g} s) on the reference solution ({verdict.detail}); this host is "
                "too slow for them or what they download too large: see verifier.log in the trial's directory"
            )

    def _check_network(self) -> None:
        """``--network off`` and a task that needs network: an error before anything starts."""
        self.phase = "network"
        self.net.check_allowed(self.budget.network is not False)

    def _book_error(self, exc: Exception) -> None:
        result, phase = self.result, self.phase
        if isinstance(exc, _AgentInfraError):
            result.error, result.error_kind = str(exc), "agent"
        elif isinstance(exc, _NetworkUnreachable):
            result.error, result.error_kind = str(exc), "network"
        elif isinstance(exc, _VerifierTimedOut):
            result.error, result.error_kind = str(exc), "verifier"
        elif isinstance(exc, _UnsoundInstance):
            result.error, result.error_kind = str(exc), "environment"
        elif isinstance(exc, ImageBuildError | ImageMissing):
            result.error, result.error_kind = str(exc), "image"
        elif isinstance(exc, HorizonError):
            result.error, result.error_kind = str(exc), phase
        elif isinstance(exc, _INFRA):
            result.error, result.error_kind = f"Docker engine: {str(exc).splitlines()[0][:300]}", phase
        else:  # an adapter's bug must not take the run down
            logger.error("unexpected error in phase %s", phase, exc_info=exc)
            result.error, result.error_kind = f"{type(exc).__name__}: {exc}"[:500], phase

    async def _clean_up(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        if self.clean is not None:  # the trial ended before grading: its grading container too
            starting, self.clean = self.clean, None
            with contextlib.suppress(Exception):
                unused = await asyncio.shield(starting)
                await asyncio.shield(asyncio.to_thread(unused.close, wait=False))
        if self.sb is not None:
            await asyncio.shield(asyncio.to_thread(self.sb.close, wait=False))
        for host_dir in self.mounts:
            shutil.rmtree(host_dir, ignore_errors=True)
        self.net.close()
        if self.net.served:
            self.result.network = self.net.use.model_copy()
            if self.net.use.refused:
                self.result.flags.append("network_refused")  # network.jsonl says what and why
            if self.net.unreachable.get("agent"):
                self.result.flags.append("network_unreachable")  # the agent's downloads did not all arrive


async def run_trial(
    spec: TrialSpec, agent: Agent, run: RunDir, budget: Budget, image_policy: ImagePolicy | None = None
) -> TrialResult:
    """Run one trial and write its result.json (see :class:`Trial`)."""
    return await Trial(spec, agent, run, budget, image_policy).run()
