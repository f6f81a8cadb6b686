"""The Docker engine dies and comes back while a run is under way: the trials it took
down are errors (never failures), and resuming the run reruns exactly those.

This module restarts the engine of this host (SIGKILL of dockerd, then
scripts/setup-docker.sh), so it waits generously and always leaves the engine running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from horizonbench.sandbox import engine, reaper
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker


def dockerd_pid() -> int | None:
    out = subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def engine_answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def start_engine() -> None:
    """Start dockerd again and wait until it answers (generously: it cleans up first)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        subprocess.run(["bash", str(REPO / "scripts" / "setup-docker.sh")], capture_output=True, timeout=120)
        if engine_answers():
            return
        time.sleep(2)
    raise AssertionError("the Docker engine did not come back; see /var/log/dockerd.log")


def not_restartable() -> None:
    """Only an engine this host started itself can be restarted by the test; under CI the
    set-up script starts it, so there a missing one is a failure."""
    message = "dockerd is not a process of this host (a remote or system-managed engine)"
    if os.environ.get("CI", "").strip().lower() in ("true", "1"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def kill_engine() -> None:
    pid = dockerd_pid()
    if pid is None:
        not_restartable()
        return
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while dockerd_pid() == pid and time.monotonic() < deadline:
        time.sleep(0.1)


def test_engine_restart_mid_run_gives_errors_that_resume_reruns(tmp_path: Path) -> None:
    if dockerd_pid() is None:
        not_restartable()
    args = [
        "run",
        str(REPO / "tasks" / "smoke"),
        "--agent",
        "tests.agents:SlowOracle",
        "--attempts",
        "2",
        "--concurrency",
        "2",
        "--run-id",
        "eng",
        "--results",
        str(tmp_path),
        "--no-progress",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "horizonbench.cli", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    trials = tmp_path / "eng" / "trials"
    try:
        # Wait until trials are inside their sandboxes (the slow oracle sleeps there).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            running = engine.client().containers.list(filters={"label": f"{reaper.LABEL_RUN}=eng"})
            if running:
                break
            assert proc.poll() is None, "the run ended before the engine could be restarted"
            time.sleep(0.2)
        assert running, "no trial started a sandbox"
        kill_engine()
        time.sleep(2)  # trials in flight meet a dead engine
    finally:
        start_engine()
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    first = [TrialResult.model_validate_json(p.read_text()) for p in trials.glob("*/result.json")]
    assert len(first) == 6
    statuses = {r.trial_id: r.status for r in first}
    errors = [r for r in first if r.status == "error"]
    assert errors, f"no trial was hit by the restart: {statuses}"
    assert "failed" not in statuses.values(), f"an engine restart made a failure: {statuses}"
    assert all(r.error for r in errors)

    again = hb(*args)
    assert again.returncode == 0, again.stderr
    assert f"({6 - len(errors)} already done, {len(errors)} errors rerun)" in again.stdout, again.stdout
    assert "6 passed, 0 failed, 0 errors" in again.stdout, again.stdout
    final = {p.parent.name: TrialResult.model_validate_json(p.read_text()) for p in trials.glob("*/result.json")}
    assert len(final) == 6 and all(r.status == "passed" for r in final.values())
    for r in first:  # finished trials were kept, not rerun
        if r.status != "error":
            assert final[r.trial_id].finished_at == r.finished_at

    assert hb("sandbox", "prune").returncode == 0
    assert engine.client().containers.list(all=True, filters={"label": f"{reaper.LABEL_RUN}=eng"}) == []
    assert engine.client().images.list(name="horizonbench/base")  # the base image survived
