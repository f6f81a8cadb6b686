"""Where trials run, behind one interface: :class:`Executor`. :class:`LocalExecutor` runs
them in this process; :class:`horizonbench.runner.dask_executor.DaskExecutor` on a cluster."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import docker.errors
import requests.exceptions

from horizonbench.agents import registry
from horizonbench.agents.base import Budget
from horizonbench.models import ImagePolicy, TrialResult
from horizonbench.models.fingerprint import Fingerprint
from horizonbench.results.store import RunDir
from horizonbench.runner.trial import TrialSpec, run_trial
from horizonbench.sandbox import engine, reaper
from horizonbench.sandbox.sandbox import wait_for_removals
from horizonbench.tasks.loader import Task

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    run_id: str
    agents: list[str]
    attempts: int = 1
    concurrency: int = 1
    results_root: Path = Path("results")
    agent_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)
    attempts_so_far: int | None = None
    """Run only attempts below this in this call (the rounds of ``run --until-decided``).
    ``attempts`` stays the planned maximum and is what run.json records, so every round
    resumes the same run with the same fingerprint; None runs all ``attempts``."""
    endpoint_fingerprint: Fingerprint | None = None
    """The endpoint's fingerprint (``run --fingerprint``), kept beside run.json."""
    images: ImagePolicy = field(default_factory=ImagePolicy)
    """How trials come by their images (``--force-build``, ``--image-map``); each result records how it did."""


ResultFn = Callable[[TrialResult], None]


class Executor(Protocol):
    """Where trials run: this process (:class:`LocalExecutor`) or a Dask cluster
    (:class:`horizonbench.runner.dask_executor.DaskExecutor`). The run directory,
    the manifest and resume are the caller's; an executor only runs trial specs."""

    async def open(self, tasks: Sequence[Task], opts: RunOptions) -> None:
        """Check the place trials will run (engine, cluster), before the run directory is touched.

        Raises:
            HorizonError: it cannot run these trials (no engine, no cluster, too little room).
        """
        ...

    async def run(self, specs: Sequence[TrialSpec], run: RunDir, opts: RunOptions, on_result: ResultFn) -> None:
        """Run every spec. Each trial's files and result.json are in ``run`` before
        ``on_result`` is called for it, exactly once per trial, in this process."""
        ...

    async def close(self, run_id: str) -> None:
        """Remove what the run left running (containers of cancelled trials)."""
        ...


class LocalExecutor:
    """Trials as asyncio tasks in this process, at most ``opts.concurrency`` at once."""

    async def open(self, tasks: Sequence[Task], opts: RunOptions) -> None:
        # Every Docker call of a trial blocks a thread of the loop's default pool
        # (asyncio.to_thread), which has only cores + 4 threads: on a small host, trials
        # that merely wait on a model would queue behind one another's calls.
        threads = max(min(32, (os.cpu_count() or 1) + 4), 2 * opts.concurrency + 4)
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hb-trials")
        )
        engine.client()  # a clear error now rather than one error result per trial
        removed = await asyncio.to_thread(reaper.prune)
        if removed:
            log.info("removed %d leftover container(s) of dead runs", len(removed))

    async def run(self, specs: Sequence[TrialSpec], run: RunDir, opts: RunOptions, on_result: ResultFn) -> None:
        sem = asyncio.Semaphore(opts.concurrency)

        async def one(spec: TrialSpec) -> None:
            async with sem:
                agent = registry.create(spec.agent, **opts.agent_options.get(spec.agent, {}))
                spec.model = agent.model
                result = await run_trial(spec, agent, run, opts.budget, opts.images)
            on_result(result)

        await asyncio.gather(*(one(s) for s in specs))

    async def close(self, run_id: str) -> None:
        try:
            await asyncio.to_thread(wait_for_removals)
            await asyncio.to_thread(reaper.remove_own, run_id)
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            # Results are written already; leftovers are pruned by the next run or 'sandbox prune'.
            log.warning("could not remove this run's containers (%s); 'horizonbench sandbox prune' will", exc)
