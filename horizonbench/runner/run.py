"""A run: tasks x agents x attempts, with bounded concurrency, progress and resume."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from horizonbench import __version__
from horizonbench.agents import registry
from horizonbench.errors import RunError
from horizonbench.models import RunConfig, RunManifest, TaskEntry, TrialResult
from horizonbench.models.run import EndpointRecord
from horizonbench.results.index import IndexWriter
from horizonbench.results.store import RunDir, write_redacted
from horizonbench.runner.executor import Executor, LocalExecutor, RunOptions
from horizonbench.runner.trial import TrialSpec, trial_id
from horizonbench.tasks.loader import Suite, Task

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    run_id: str
    path: Path
    total: int
    skipped: int
    counts: Counter[str]
    seconds: float
    results: list[TrialResult]
    rerun: int = 0
    """Trials that had an error result and were run again."""

    @property
    def pass_rate(self) -> float | None:
        graded = self.counts["passed"] + self.counts["failed"]
        return self.counts["passed"] / graded if graded else None

    def line(self) -> str:
        rate = "n/a" if self.pass_rate is None else f"{self.pass_rate:.1%}"
        return (
            f"run {self.run_id}: {self.total} trials ({self.skipped} already done"
            f"{f', {self.rerun} errors rerun' if self.rerun else ''}): "
            f"{self.counts['passed']} passed, {self.counts['failed']} failed, {self.counts['error']} errors; "
            f"pass rate {rate} (errors excluded); {self.seconds:.1f} s; results in {self.path}"
        )


ProgressFn = Callable[[TrialResult, Counter[str], int], None]


def expand(tasks: Sequence[Task], agents: Sequence[str], attempts: int) -> list[TrialSpec]:
    """Every trial of the run, in a stable order (attempt-major so early results cover all tasks)."""
    return [TrialSpec(trial_id(t.name, a, k), t, a, k) for k in range(attempts) for t in tasks for a in agents]


def _config(tasks: Sequence[Task], opts: RunOptions) -> RunConfig:
    return RunConfig(
        tasks=[
            TaskEntry(name=t.name, path=str(t.path), hash=t.content_hash(), suite=t.suite, dataset=t.origin)
            for t in tasks
        ],
        agents=list(opts.agents),
        agent_options=opts.agent_options,
        attempts=opts.attempts,
        budget=opts.budget.model_dump(mode="json", exclude_none=True),
    )


def _config_difference(old: RunConfig, new: RunConfig) -> str:
    if old.agents != new.agents:
        return f"agents {old.agents} vs {new.agents}"
    if old.attempts != new.attempts:
        return f"attempts {old.attempts} vs {new.attempts}"
    old_t = {t.name: t.hash for t in old.tasks}
    new_t = {t.name: t.hash for t in new.tasks}
    if set(old_t) != set(new_t):
        return f"tasks differ ({sorted(set(old_t) ^ set(new_t))[:3]})"
    changed = [n for n in new_t if old_t[n] != new_t[n]]
    if changed:
        return f"task contents changed ({changed[:3]})"
    if old.agent_options != new.agent_options:
        return "agent options differ"
    if old.prompts != new.prompts:
        return "prompt templates changed"
    return "budget differs"


def prepare(tasks: Sequence[Task], suites: Sequence[Suite], opts: RunOptions) -> tuple[RunDir, RunManifest]:
    """Create the run directory and manifest, or check a resumed run matches.

    Raises:
        RunError: the run id exists with a different configuration.
    """
    if opts.attempts < 1:
        raise RunError(f"--attempts must be at least 1, got {opts.attempts}")
    if opts.concurrency < 1:
        raise RunError(f"--concurrency must be at least 1, got {opts.concurrency}")
    if not tasks:
        raise RunError("no tasks selected; check the suite path and filters")
    prompts: dict[str, dict[str, str]] = {}
    for name in opts.agents:  # fail before any container starts
        agent = registry.create(name, **opts.agent_options.get(name, {}))
        if agent.prompts is not None:
            prompts[name] = dict(agent.prompts.hashes)
    run = RunDir(opts.results_root, opts.run_id)
    config = _config(tasks, opts)
    config.prompts = prompts
    existing = run.read_manifest()
    if existing is not None:
        if existing.config.fingerprint() != config.fingerprint():
            raise RunError(
                f"run {opts.run_id} exists in {run.path} with a different configuration "
                f"({_config_difference(existing.config, config)}); use another --run-id, or the same options to resume"
            )
        return run, existing
    manifest = RunManifest(
        run_id=opts.run_id,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        horizonbench_version=__version__,
        config=config,
        suites={s.name: s.config.version for s in suites},
        concurrency=opts.concurrency,
        host=socket.gethostname(),
    )
    fp = opts.endpoint_fingerprint
    if fp is not None:
        write_redacted(run.path / "fingerprint.json", fp.model_dump_json(indent=1))
        manifest.endpoint = EndpointRecord(
            digest=fp.digest, probe_set=fp.probe_set, model=fp.model, base_url=fp.base_url
        )
    run.write_manifest(manifest)
    return run, manifest


def make_executor(kind: str = "local", scheduler: str | None = None, local_workers: int | None = None) -> Executor:
    """The executor ``--executor`` names.

    Raises:
        RunError: an unknown kind, or options that do not go with it.
    """
    if kind == "local":
        if scheduler is not None or local_workers is not None:
            raise RunError("--scheduler and --local-workers go with --executor dask")
        return LocalExecutor()
    if kind == "dask":
        from horizonbench.runner.dask_executor import DaskExecutor

        return DaskExecutor(scheduler=scheduler, local_workers=local_workers)
    raise RunError(f"unknown --executor {kind!r}; use local or dask")


async def execute(
    tasks: Sequence[Task],
    suites: Sequence[Suite],
    opts: RunOptions,
    progress: ProgressFn | None = None,
    executor: Executor | None = None,
) -> RunSummary:
    """Run every unfinished trial; finished ones (a passed or failed result.json) are kept
    as they are, and trials whose result is an infrastructure ``error`` run again.
    Trials run on ``executor`` (default: this process)."""
    started = time.monotonic()
    executor = executor or LocalExecutor()
    await executor.open(tasks, opts)
    try:
        run, manifest = prepare(tasks, suites, opts)
        specs = expand(tasks, opts.agents, opts.attempts)
        if opts.attempts_so_far is not None:  # a round of an until-decided run: the attempts so far
            specs = [s for s in specs if s.attempt < opts.attempts_so_far]
        previous = {r.trial_id: r for r in run.results()}
        # An error says nothing about the agent (engine restarted, endpoint down): run it again.
        done = {tid: r for tid, r in previous.items() if r.status != "error"}
        todo = [s for s in specs if s.trial_id not in done]
        rerun = sum(1 for s in todo if s.trial_id in previous)
        counts: Counter[str] = Counter(r.status for r in done.values() if r.trial_id in {s.trial_id for s in specs})
        results = [done[s.trial_id] for s in specs if s.trial_id in done]

        index = IndexWriter(run.path)

        def on_result(result: TrialResult) -> None:
            results.append(result)
            counts[result.status] += 1
            index.add(result)
            if progress:
                progress(result, counts, len(specs))

        try:
            await executor.run(todo, run, opts, on_result)
        finally:
            await asyncio.to_thread(index.close)
            images = {r.task: r.image_id for r in results if r.image_id}
            if images and images != manifest.images:
                manifest.images = {**manifest.images, **images}
                run.write_manifest(manifest)
    finally:
        await asyncio.shield(executor.close(opts.run_id))
    return RunSummary(
        run_id=opts.run_id,
        path=run.path,
        total=len(specs),
        skipped=len(specs) - len(todo),
        counts=counts,
        seconds=time.monotonic() - started,
        results=results,
        rerun=rerun,
    )
