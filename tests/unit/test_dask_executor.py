"""The Dask executor's client side without a cluster: what a trial holds on a worker,
what is sent to workers, and how results coming back are written (once per trial)."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from horizonbench.errors import RunError
from horizonbench.models import ImagePolicy, TrialResult
from horizonbench.results.store import RunDir
from horizonbench.runner.dask_executor import (
    DaskExecutor,
    TrialOutput,
    TrialPayload,
    _check_room,
    trial_resources,
)
from horizonbench.runner.executor import LocalExecutor, RunOptions
from horizonbench.runner.run import expand, make_executor
from horizonbench.tasks.loader import load_task

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "tasks" / "smoke"


def test_a_trial_holds_its_sandboxes_memory_and_cpus() -> None:
    same = load_task(SMOKE / "word-report")  # tests run in the agent's container
    fresh = load_task(SMOKE / "fix-median")  # a clean grading container runs beside it
    assert trial_resources(same) == {"MEMORY_MB": 256, "CPUS": 1}
    assert trial_resources(fresh) == {"MEMORY_MB": 1024, "CPUS": 2}


def test_a_task_larger_than_every_worker_is_refused() -> None:
    fresh = load_task(SMOKE / "fix-median")
    _check_room([fresh], {"w1": {"MEMORY_MB": 512, "CPUS": 4}, "w2": {"MEMORY_MB": 2048, "CPUS": 2}})
    with pytest.raises(RunError, match=r"fix-median needs MEMORY_MB=1024 .*--resources"):
        _check_room([fresh], {"w1": {"MEMORY_MB": 512, "CPUS": 4}, "w2": {"MEMORY_MB": 4096, "CPUS": 1}})


def test_executor_options_are_checked() -> None:
    assert isinstance(make_executor("local"), LocalExecutor)
    assert isinstance(make_executor("dask", local_workers=2), DaskExecutor)
    with pytest.raises(RunError, match="--scheduler"):
        make_executor("dask")
    with pytest.raises(RunError, match="either"):
        make_executor("dask", scheduler="tcp://127.0.0.1:8786", local_workers=2)
    with pytest.raises(RunError, match="--executor dask"):
        make_executor("local", local_workers=2)
    with pytest.raises(RunError, match="unknown --executor"):
        make_executor("ray")


class _Future:
    def __init__(self, value: TrialOutput | Exception) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, TrialOutput]:
        async def get() -> TrialOutput:
            await asyncio.sleep(0)
            if isinstance(self.value, Exception):
                raise self.value
            return self.value

        return get().__await__()

    def release(self) -> None:
        pass


class _Client:
    """Answers each submitted trial as a worker would, or with ``fail`` for every trial."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.submitted: list[tuple[TrialPayload, dict[str, Any]]] = []
        self.bundles: list[bytes] = []

    def submit(self, fn: Any, payload: TrialPayload, bundle: bytes, **kwargs: Any) -> _Future:
        self.submitted.append((payload, kwargs))
        self.bundles.append(bundle)
        if self.fail is not None:
            return _Future(self.fail)
        result = TrialResult(
            run_id=payload.run_id,
            trial_id=payload.trial_id,
            task="word-report",
            agent=payload.agent,
            attempt=payload.attempt,
            status="passed",
            reward=1.0,
        )
        files = {"agent.log": b"worked\n", "sub/notes.txt": b"n", "../outside.txt": b"x"}
        return _Future(TrialOutput(result_json=result.model_dump_json(), files=files, worker_host="w1"))


def _run(tmp_path: Path, client: _Client, opts: RunOptions, twice: bool = False) -> list[TrialResult]:
    task = load_task(SMOKE / "word-report")
    specs = expand([task], opts.agents, opts.attempts)
    if twice:  # Dask hands back a trial's result a second time (a worker thought lost finished it)
        specs = specs + expand([task], opts.agents, opts.attempts)
    executor = DaskExecutor(scheduler="tcp://127.0.0.1:1")
    executor._client = client
    seen: list[TrialResult] = []
    asyncio.run(executor.run(specs, RunDir(tmp_path, opts.run_id), opts, seen.append))
    return seen


def test_results_are_written_once_per_trial_with_their_files(tmp_path: Path) -> None:
    opts = RunOptions(run_id="r", agents=["oracle"], attempts=2, concurrency=4, results_root=tmp_path)
    seen = _run(tmp_path, _Client(), opts, twice=True)
    assert sorted(r.trial_id for r in seen) == ["word-report__oracle__0", "word-report__oracle__1"]
    run = RunDir(tmp_path, "r")
    assert sorted(r.trial_id for r in run.results()) == ["word-report__oracle__0", "word-report__oracle__1"]
    tdir = run.trial_dir("word-report__oracle__0")
    assert (tdir / "agent.log").read_text() == "worked\n" and (tdir / "sub" / "notes.txt").read_text() == "n"
    assert not (run.path / "trials" / "outside.txt").exists()


def test_a_trial_the_cluster_could_not_finish_is_an_error_result(tmp_path: Path) -> None:
    opts = RunOptions(run_id="e", agents=["oracle"], results_root=tmp_path)
    seen = _run(tmp_path, _Client(fail=RuntimeError("worker lost three times")), opts)
    assert [(r.status, r.error_kind) for r in seen] == [("error", "worker")]
    written = RunDir(tmp_path, "e").read_result("word-report__oracle__0")
    assert written is not None and written.error is not None and "worker lost three times" in written.error


def test_payloads_carry_options_and_budget_but_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HB_UNIT_KEY", "sk-unit-secret-0123456789")
    opts = RunOptions(
        run_id="p",
        agents=["oracle"],
        results_root=tmp_path,
        agent_options={"oracle": {"api_key_env": "HB_UNIT_KEY"}},
    )
    opts.budget.max_steps = 7
    opts.images = ImagePolicy(force_build=True, image_map={"python:3.13-slim": "horizonbench/base:bookworm"})
    client = _Client()
    _run(tmp_path, client, opts)
    [(payload, kwargs)] = client.submitted
    assert payload.agent_options == {"api_key_env": "HB_UNIT_KEY"} and payload.budget.max_steps == 7
    assert payload.images == opts.images  # workers pull, build and map images as the client asked
    assert kwargs["resources"] == {"MEMORY_MB": 256, "CPUS": 1}
    assert b"sk-unit-secret" not in pickle.dumps(payload)


def test_each_task_is_packed_once_and_unpacked_by_hash_where_the_repository_is_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from horizonbench.runner.dask_executor import pack_task, unpack_task

    monkeypatch.setenv("HORIZONBENCH_CACHE", str(tmp_path / "worker-cache"))
    task = load_task(REPO / "tasks" / "tooluse" / "bank-ledger")  # includes shared files from ../_shared
    bundle = pack_task(task)
    there = unpack_task(bundle, task.content_hash(), task.path.name, task.suite)
    assert there.path == (tmp_path / "worker-cache" / "tasks" / task.content_hash() / "bank-ledger").resolve()
    assert there.content_hash() == task.content_hash()
    assert {d: p.read_bytes() for d, p in there.environment_includes().items()} == {
        d: p.read_bytes() for d, p in task.environment_includes().items()
    }
    again = unpack_task(b"not a bundle at all", task.content_hash(), task.path.name, task.suite)
    assert again.path == there.path  # cached by hash: not unpacked twice
    with pytest.raises(RunError, match="arrived changed"):
        unpack_task(bundle, "0" * 64, task.path.name, task.suite)
    with pytest.raises(RunError, match="cannot unpack"):
        unpack_task(b"garbage", "1" * 64, task.path.name, task.suite)

    opts = RunOptions(run_id="b", agents=["oracle"], attempts=3, results_root=tmp_path)
    client = _Client()
    _run(tmp_path, client, opts)
    assert len(client.submitted) == 3 and len({id(b) for b in client.bundles}) == 1  # packed once for three trials
    assert {p.task_name for p, _ in client.submitted} == {"word-report"}
