"""Trials on a Dask cluster: each worker runs :func:`~horizonbench.runner.trial.run_trial`
on its own host's Docker engine and sends the trial's files back; the client writes them
into the run directory as they arrive.

- Tasks travel with the trials: the client packs each task directory (and the shared files
  it includes) once, a gzipped tar named by the task's content hash, and each trial carries
  it (kilobytes for this project's suites). A worker unpacks a bundle into
  ``<cache>/tasks/<hash>/`` the first time it runs a trial of that task and reuses it after,
  so workers need neither the repository nor shared storage. The bundle goes inline rather
  than as data scattered to the cluster: scattered data held by a worker that dies cancels
  the trials that depend on it, where an inline argument is simply sent again. A worker checks the unpacked task's hash
  against the client's. A worker whose engine lacks the task's image builds it (and says so).
- Agent options and budgets travel with each trial; API keys never do. A worker reads the
  variable an adapter names (``--api-key-env``) from its own environment.
- Each worker has a budget, declared as Dask worker resources ``MEMORY_MB`` and ``CPUS``;
  a trial holds its task's ``memory_mb`` and ``cpus`` while it runs (twice that in
  ``fresh`` grading mode, where a clean grading container runs beside the agent's), so
  the sandboxes running on a worker never add up to more than it declared.
- A worker lost mid-trial: Dask runs the trial again elsewhere. The client writes a trial
  once (the first result for its id wins), and the lost worker's containers, whose owner
  process is gone, are removed by the reaper on every worker when the run ends.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import os
import shutil
import socket
import tarfile
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, Field

from horizonbench.agents import registry
from horizonbench.agents.base import Budget
from horizonbench.errors import RunError
from horizonbench.hashing import SKIP_DIRS
from horizonbench.models import ImagePolicy, TrialResult
from horizonbench.results.store import RunDir, atomic_write
from horizonbench.runner.executor import ResultFn, RunOptions
from horizonbench.runner.trial import TrialSpec, blank_result, run_trial
from horizonbench.sandbox import base_image, images, reaper
from horizonbench.sandbox.images import cache_dir
from horizonbench.sandbox.sandbox import wait_for_removals
from horizonbench.tasks.loader import Task, load_task

log = logging.getLogger(__name__)

MEMORY = "MEMORY_MB"
CPUS = "CPUS"
CPU_OVERCOMMIT = 8
"""Sandbox CPU caps a local worker may have running per core. Caps are quotas, not
reservations, and trials of LLM agents spend most of their time waiting on the model."""
CONNECT_TIMEOUT_S = 30.0
WORKER_WAIT_S = 60.0


class TrialPayload(BaseModel):
    """What a worker is sent for one trial (no secrets: keys come from the worker's environment)."""

    run_id: str = Field(description="The run the trial belongs to.")
    trial_id: str = Field(description="The trial's id.")
    task_name: str = Field(description="The task directory's name inside its bundle.")
    suite: str = Field("", description="The task's suite.")
    task_hash: str = Field(description="The content hash of the client's copy of the task (names its bundle).")
    agent: str = Field(description="Agent name or module:Class.")
    attempt: int = Field(description="Attempt number.")
    agent_options: dict[str, Any] = Field(default_factory=dict, description="The agent's constructor options.")
    budget: Budget = Field(default_factory=Budget, description="Limits of the attempt.")
    images: ImagePolicy = Field(default_factory=ImagePolicy, description="How the trial comes by its image.")


class TrialOutput(BaseModel):
    """What a worker sends back: result.json as written, and the trial's other files."""

    result_json: str = Field(description="result.json, redacted as run_trial wrote it.")
    files: dict[str, bytes] = Field(default_factory=dict, description="Path in the trial directory -> content.")
    worker_host: str = Field("", description="The host that ran the trial.")
    task_dir: str = Field("", description="Where the worker had the task (its bundle cache).")
    image_built: bool = Field(False, description="The worker built the task's image for this trial.")


def pack_task(task: Task) -> bytes:
    """The task directory and the shared files it includes, as a gzipped tar laid out as in
    its suite folder (``<task>/...`` beside the included files), so relative includes still
    resolve once unpacked. Files the content hash skips (caches, wheelhouses) stay out."""
    suite_dir = task.path.parent
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(task.path.rglob("*")):
            rel = path.relative_to(task.path)
            if path.is_file() and not any(part in SKIP_DIRS for part in rel.parts):
                tar.add(path, arcname=str(path.relative_to(suite_dir)), recursive=False)
        for src in sorted({*task.environment_includes().values(), *task.test_includes().values()}):
            tar.add(src, arcname=str(src.relative_to(suite_dir.resolve())), recursive=False)
    return buf.getvalue()


def unpack_task(bundle: bytes, task_hash: str, task_name: str, suite: str) -> Task:
    """The task of ``bundle``, unpacked once per hash into this host's cache.

    Raises:
        RunError: the bundle is damaged or its content is not what the client hashed.
    """
    root = cache_dir() / "tasks" / task_hash
    if not (root / task_name / "task.toml").is_file():
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{task_hash[:12]}-", dir=root.parent))
        try:
            with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
                tar.extractall(tmp, filter="data")
            try:
                os.rename(tmp, root)  # atomic: two trials unpacking at once leave one copy
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)  # the other one won
        except (tarfile.TarError, OSError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RunError(f"worker {socket.gethostname()}: cannot unpack task {task_name} ({exc})") from None
    task = load_task(root / task_name, suite=suite)
    if task.content_hash() != task_hash:
        raise RunError(f"worker {socket.gethostname()}: task {task_name} arrived changed (content hash differs)")
    return task


def trial_resources(task: Task) -> dict[str, float]:
    """What a trial of ``task`` holds on its worker while it runs."""
    env = task.config.environment
    sandboxes = 2 if task.grading_mode == "fresh" else 1
    return {MEMORY: float(env.memory_mb * sandboxes), CPUS: float(env.cpus * sandboxes)}


def local_worker_resources(n_workers: int) -> dict[str, float]:
    """The budget of each of ``n_workers`` local workers: 80% of this host's memory and
    :data:`CPU_OVERCOMMIT` sandbox CPUs per core, shared between them."""
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    cores = os.cpu_count() or 1
    return {MEMORY: float(int(memory_mb * 0.8 / n_workers)), CPUS: float(cores * CPU_OVERCOMMIT / n_workers)}


def run_on_worker(payload: TrialPayload, bundle: bytes) -> TrialOutput:
    """Run one trial on this worker into a temporary directory; return its files.

    Raises:
        RunError: the task bundle is damaged or differs from the client's copy.
        ConfigError: the agent cannot be built here (not importable, API key variable unset).
    """
    host = socket.gethostname()
    task = unpack_task(bundle, payload.task_hash, payload.task_name, payload.suite)
    built = images.find(task, payload.images) is None
    if built:
        log.info("[%s] worker %s has no image for task %s: building it", payload.trial_id, host, task.name)
        if base_image.info() is None:  # a new host: the base image first (debootstrap where no registry answers)
            base_image.ensure()
    agent = registry.create(payload.agent, **payload.agent_options)
    spec = TrialSpec(payload.trial_id, task, payload.agent, payload.attempt, model=agent.model)
    with tempfile.TemporaryDirectory(prefix="hb-trial-") as tmp:
        run = RunDir(tmp, payload.run_id)
        asyncio.run(run_trial(spec, agent, run, payload.budget, payload.images))
        tdir = run.trial_dir(spec.trial_id)
        files = {
            p.relative_to(tdir).as_posix(): p.read_bytes()
            for p in sorted(tdir.rglob("*"))
            if p.is_file() and p.name != "result.json"
        }
        return TrialOutput(
            result_json=(tdir / "result.json").read_text(),
            files=files,
            worker_host=host,
            task_dir=str(task.path),
            image_built=built,
        )


class DaskExecutor:
    """Runs trials on the Dask cluster at ``scheduler``, or on ``local_workers`` worker
    processes it starts on this host (bound to 127.0.0.1, no dashboard). At most
    ``opts.concurrency`` trials are in flight on the whole cluster."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        if (scheduler is None) == (local_workers is None):
            raise RunError("--executor dask needs either --scheduler tcp://HOST:PORT or --local-workers N")
        if local_workers is not None and local_workers < 1:
            raise RunError(f"--local-workers must be at least 1, got {local_workers}")
        self.scheduler = scheduler
        self.local_workers = local_workers
        self._cluster: Any = None
        self._client: Any = None
        self._written: set[str] = set()

    # -- Executor -------------------------------------------------------------------

    async def open(self, tasks: Sequence[Task], opts: RunOptions) -> None:
        try:
            await self._connect(opts)
            budgets = await self._budgets()
            _check_room(tasks, budgets)
            removed = await self._client.run(reaper.prune)
            n = sum(len(v) for v in removed.values())
            if n:
                log.info("removed %d leftover container(s) of dead runs on the workers", n)
        except BaseException:
            await self._shutdown()
            raise

    async def run(self, specs: Sequence[TrialSpec], run: RunDir, opts: RunOptions, on_result: ResultFn) -> None:
        sem = asyncio.Semaphore(opts.concurrency)
        bundles: dict[Path, tuple[str, bytes]] = {}
        for spec in specs:  # each task packed once
            if spec.task.path not in bundles:
                digest = spec.task.content_hash()
                bundles[spec.task.path] = (digest, await asyncio.to_thread(pack_task, spec.task))

        async def one(spec: TrialSpec) -> None:
            digest, bundle = bundles[spec.task.path]
            payload = TrialPayload(
                run_id=run.run_id,
                trial_id=spec.trial_id,
                task_name=spec.task.path.name,
                suite=spec.task.suite,
                task_hash=digest,
                agent=spec.agent,
                attempt=spec.attempt,
                agent_options=opts.agent_options.get(spec.agent, {}),
                budget=opts.budget,
                images=opts.images,
            )
            async with sem:
                future = self._client.submit(
                    run_on_worker,
                    payload,
                    bundle,
                    key=f"hb-{spec.trial_id}-{uuid.uuid4().hex[:8]}",
                    resources=trial_resources(spec.task),
                    pure=False,
                )
                try:
                    output: TrialOutput | None = await future
                    error = None
                except Exception as exc:  # the worker died too often, or could not start the trial
                    output, error = None, exc
                finally:
                    future.release()
            if spec.trial_id in self._written:  # a second result for the trial: the first one stands
                log.info("[%s] dropped a second result of the trial", spec.trial_id)
                return
            self._written.add(spec.trial_id)
            if output is not None and output.image_built:
                log.info("[%s] worker %s built the image of task %s", spec.trial_id, output.worker_host, spec.task.name)
            on_result(await asyncio.to_thread(self._write, run, spec, output, error))

        await asyncio.gather(*(one(s) for s in specs))

    async def close(self, run_id: str) -> None:
        if self._client is not None:
            try:
                # Trials of a cancelled run still running on workers: remove their
                # containers so they end now. Then what lost workers left behind.
                await self._client.run(wait_for_removals)
                await self._client.run(reaper.remove_own, run_id)
                await self._client.run(reaper.prune)
            except Exception as exc:
                log.warning("could not clean up containers on the Dask workers: %s", exc)
        await self._shutdown()

    # -- helpers ----------------------------------------------------------------------

    async def _connect(self, opts: RunOptions) -> None:
        from distributed import Client, LocalCluster  # imported here: local runs never load Dask

        # Dask narrates every nanny and comm at INFO; a run's own progress is what matters here.
        logging.getLogger("distributed").setLevel(logging.WARNING)
        address = self.scheduler
        if self.local_workers is not None:
            self._cluster = await LocalCluster(
                n_workers=self.local_workers,
                processes=True,
                threads_per_worker=opts.concurrency,
                resources=local_worker_resources(self.local_workers),
                host="127.0.0.1",
                dashboard_address=None,
                asynchronous=True,
            )
            address = self._cluster.scheduler_address
        try:
            self._client = await Client(address, asynchronous=True, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise RunError(
                f"cannot reach the Dask scheduler at {address} ({exc}); is `dask scheduler` running there?"
            ) from None
        try:
            await self._client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise RunError(
                f"no Dask worker joined {address} within {WORKER_WAIT_S:g} s; start one on each Docker host with "
                f"`dask worker {address} --nthreads 16 --resources 'MEMORY_MB=8192,CPUS=16'`"
            ) from None

    async def _budgets(self) -> dict[str, dict[str, float]]:
        info = self._client.scheduler_info(n_workers=-1)
        budgets = {addr: dict(w.get("resources") or {}) for addr, w in info["workers"].items()}
        declared = {a: b for a, b in budgets.items() if MEMORY in b and CPUS in b}
        for addr in sorted(set(budgets) - set(declared)):
            log.warning("Dask worker %s declares no %s and %s resources: it gets no trials", addr, MEMORY, CPUS)
        if not declared:
            raise RunError(
                f"no Dask worker declares its budget; start workers with `--resources '{MEMORY}=8192,{CPUS}=16'` "
                "(memory and sandbox CPUs its trials may hold at once)"
            )
        return declared

    async def _shutdown(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._cluster is not None:
            await self._cluster.close()
            self._cluster = None

    @staticmethod
    def _write(run: RunDir, spec: TrialSpec, output: TrialOutput | None, error: BaseException | None) -> TrialResult:
        """Write one trial into the run directory: its files first, result.json last
        (a trial counts as done only once result.json is there)."""
        tdir = run.trial_dir(spec.trial_id)
        if tdir.exists():  # leftovers of an interrupted earlier attempt at this trial
            shutil.rmtree(tdir)
        if output is None:
            result = _error_result(spec, run, error)
        else:
            result = TrialResult.model_validate_json(output.result_json)
            for rel, data in output.files.items():
                path = PurePosixPath(rel)
                if path.is_absolute() or ".." in path.parts:
                    log.warning("[%s] skipped a file outside the trial directory: %s", spec.trial_id, rel)
                    continue
                atomic_write(tdir / path, data)
        run.write_result(result)
        return result


def _check_room(tasks: Sequence[Task], budgets: dict[str, dict[str, float]]) -> None:
    """Every task must fit on some worker, or its trials would wait forever.

    Raises:
        RunError: a task needs more than any worker declares.
    """
    for task in tasks:
        need = trial_resources(task)
        if not any(all(b.get(k, 0.0) >= v for k, v in need.items()) for b in budgets.values()):
            largest = max(budgets.values(), key=lambda b: b.get(MEMORY, 0.0))
            raise RunError(
                f"task {task.name} needs {MEMORY}={math.ceil(need[MEMORY])} and {CPUS}={need[CPUS]:g} "
                f"(environment.memory_mb and cpus{', twice in fresh mode' if task.grading_mode == 'fresh' else ''}), "
                f"more than any Dask worker declares (largest: {largest}); raise the workers' --resources"
            )


def _error_result(spec: TrialSpec, run: RunDir, error: BaseException | None) -> TrialResult:
    kind = type(error).__name__ if error is not None else "unknown"
    text = str(error) if error is not None else "no output"
    if kind == "KilledWorker":
        text = f"the Dask workers running this trial died too often: {text}"
    return blank_result(spec, run.run_id, error=f"{kind}: {text}"[:500], error_kind="worker")
