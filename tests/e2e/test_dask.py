"""The Dask executor on a real local cluster: a scheduler and two worker processes on
127.0.0.1, started as a user would (`dask scheduler`, `dask worker`). The workers run in a
directory of their own with a cache of their own, and the client runs a copy of the smoke
suite that is not in the repository: tasks reach the workers only as bundles."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from distributed import Client

from horizonbench.models import TrialResult
from horizonbench.sandbox import engine, images, reaper
from horizonbench.tasks.loader import load_suite
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker
SMOKE = REPO / "tasks" / "smoke"


@dataclass
class Cluster:
    address: str
    workers: list[subprocess.Popen[bytes]]
    client: Client
    worker_cache: Path
    suite: Path
    """The client's copy of the smoke suite."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster(base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for the module; the test that kills a worker comes last."""
    for task in load_suite(SMOKE).tasks:  # built once here, so trials measure the executor, not builds
        images.ensure(task)
    suite = tmp_path_factory.mktemp("client") / "smoke"
    shutil.copytree(SMOKE, suite)
    worker_dir = tmp_path_factory.mktemp("worker")
    address = f"tcp://127.0.0.1:{_free_port()}"
    # Workers import tests.agents (the adapters of these tests) but have neither the tasks nor
    # the client's cache: their working directory and cache are their own.
    env = {**os.environ, "PYTHONPATH": str(REPO), "HORIZONBENCH_CACHE": str(worker_dir / "cache")}
    dask = [sys.executable, "-m", "dask"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
        cwd=REPO,
        env=env,
        **quiet,
    )
    # --no-nanny: a killed worker stays dead, as when its host goes away.
    worker_cmd = [*dask, "worker", address, "--host", "127.0.0.1", "--no-dashboard", "--no-nanny", "--nthreads", "8"]
    worker_cmd += ["--resources", "MEMORY_MB=4096,CPUS=8"]
    workers = [subprocess.Popen(worker_cmd, cwd=worker_dir, env=env, **quiet) for _ in range(2)]
    procs = [scheduler, *workers]
    try:
        client = Client(address, timeout=30)
        client.wait_for_workers(2, timeout=60)
        yield Cluster(address, workers, client, worker_dir / "cache", suite)
        client.close()
    finally:
        for p in reversed(procs):  # workers first, so none waits on a scheduler that is gone
            if p.poll() is None:
                p.kill()  # no trial runs any more: nothing to close gracefully
            p.wait()


def _verdicts(run: Path) -> dict[str, tuple[object, ...]]:
    out = {}
    for path in (run / "trials").glob("*/result.json"):
        r = TrialResult.model_validate_json(path.read_text())
        v = r.verdict
        milestones = tuple(m.passed for m in v.milestones) if v else ()
        out[r.trial_id] = (r.status, r.reward, v.resolution if v else None, milestones, tuple(r.flags))
    return out


def test_smoke_verdicts_match_local_executor(tmp_path: Path, cluster: Cluster) -> None:
    common = ["run", cluster.suite, "--agent", "oracle", "--agent", "nop", "--concurrency", "4"]
    common += ["--results", tmp_path]
    common += ["--no-progress"]
    local = hb(*common, "--run-id", "loc")
    assert local.returncode == 0, local.stderr
    dask_args = [*common, "--run-id", "dk", "--executor", "dask", "--scheduler", cluster.address]
    on_dask = hb(*dask_args)
    assert on_dask.returncode == 0, on_dask.stderr
    assert "3 passed, 3 failed, 0 errors" in on_dask.stdout

    assert _verdicts(tmp_path / "dk") == _verdicts(tmp_path / "loc")
    for trial in (tmp_path / "dk" / "trials").iterdir():
        assert {"result.json", "agent.log", "verifier.log", "agent.diff", "trajectory.jsonl"} <= {
            p.name for p in trial.iterdir()
        }
    assert "statkit/stats.py" in (tmp_path / "dk" / "trials" / "fix-median__oracle__0" / "agent.diff").read_text()

    again = hb(*dask_args)  # resume works as with the local executor
    assert again.returncode == 0 and "(6 already done)" in again.stdout
    # The workers had the tasks from the bundles the client sent, unpacked once per task by hash.
    unpacked = sorted(p.parent.name for p in (cluster.worker_cache / "tasks").glob("*/*/task.toml"))
    assert unpacked == sorted(t.name for t in load_suite(cluster.suite).tasks)


def test_local_workers_option_runs_a_cluster(tmp_path: Path, base_image: str) -> None:
    res = hb(
        "run", SMOKE, "--task", "word-report", "--run-id", "lw", "--results", tmp_path, "--no-progress",
        "--executor", "dask", "--local-workers", "1",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "1 passed, 0 failed, 0 errors" in res.stdout


def test_dask_options_are_checked(tmp_path: Path) -> None:
    res = hb("run", SMOKE, "--executor", "dask", "--results", tmp_path)
    assert res.returncode == 2 and "--scheduler" in res.stderr and "Traceback" not in res.stderr
    res = hb("run", SMOKE, "--scheduler", "tcp://127.0.0.1:1", "--results", tmp_path)
    assert res.returncode == 2 and "--executor dask" in res.stderr


def test_killed_worker_trials_end_exactly_once(tmp_path: Path, cluster: Cluster) -> None:
    args = ["run", str(cluster.suite), "--agent", "tests.agents:SlowOracle", "--attempts", "3", "--concurrency", "6"]
    args += ["--run-id", "kw", "--results", str(tmp_path), "--no-progress"]
    args += ["--executor", "dask", "--scheduler", cluster.address]
    proc = subprocess.Popen(
        [sys.executable, "-m", "horizonbench.cli", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pids = cluster.client.run(os.getpid)
    victim = cluster.workers[0]
    victim_addr = next(addr for addr, pid in pids.items() if pid == victim.pid)
    deadline = time.monotonic() + 120
    owned: list[reaper.Leftover] = []
    while time.monotonic() < deadline:  # kill it while it runs a trial with a sandbox up
        assert proc.poll() is None, "the run ended before a worker could be killed"
        running = cluster.client.processing().get(victim_addr, [])
        containers = engine.client().containers.list(filters={"label": f"{reaper.LABEL_RUN}=kw"})
        owned = [c for c in containers if f":{victim.pid}:" in c.labels.get(reaper.LABEL_OWNER, "")]
        if running and owned:
            break
        time.sleep(0.2)
    assert owned, "the worker never ran a trial"
    victim.send_signal(signal.SIGKILL)
    victim.wait()

    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "9 trials (0 already done): 9 passed, 0 failed, 0 errors" in stdout
    results = [
        TrialResult.model_validate_json(p.read_text()) for p in (tmp_path / "kw" / "trials").glob("*/result.json")
    ]
    ids = [r.trial_id for r in results]
    assert len(ids) == len(set(ids)) == 9
    # The run removed the killed worker's sandboxes (their owner is gone) when it ended.
    remaining = engine.client().containers.list(all=True, filters={"label": f"{reaper.LABEL_RUN}=kw"})
    assert remaining == []
