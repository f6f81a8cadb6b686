"""SIGKILL the runner mid-run, resume: every trial exactly once, no container left."""

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


def test_sigkill_then_resume(tmp_path: Path) -> None:
    args = [
        "run",
        str(REPO / "tasks" / "smoke"),
        "--agent",
        "tests.agents:SlowOracle",
        "--attempts",
        "3",
        "--concurrency",
        "2",
        "--run-id",
        "k",
        "--results",
        str(tmp_path),
        "--no-progress",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "horizonbench.cli", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    trials = tmp_path / "k" / "trials"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        done = list(trials.glob("*/result.json")) if trials.is_dir() else []
        if len(done) >= 2:
            break
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished_before = {p.parent.name: p.read_text() for p in trials.glob("*/result.json")}
    assert 2 <= len(finished_before) < 9

    left = [c for c in reaper.leftovers() if c.run == "k"]
    assert left, "a killed run leaves its running sandboxes behind"

    res = hb(*args)
    assert res.returncode == 0, res.stderr
    assert f"({len(finished_before)} already done)" in res.stdout
    results = [TrialResult.model_validate_json(p.read_text()) for p in trials.glob("*/result.json")]
    ids = [r.trial_id for r in results]
    assert len(ids) == len(set(ids)) == 9
    assert all(r.status == "passed" for r in results)
    for tid, text in finished_before.items():  # finished trials were kept, not rerun
        assert (trials / tid / "result.json").read_text() == text

    prune = hb("sandbox", "prune")
    assert prune.returncode == 0
    remaining = engine.client().containers.list(all=True, filters={"label": f"{reaper.LABEL_RUN}=k"})
    assert remaining == []
