"""The sandbox commands of the ``horizonbench`` CLI, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from horizonbench.sandbox import engine

pytestmark = pytest.mark.docker


def _horizonbench(*args: str) -> subprocess.CompletedProcess[str]:
    # A wide terminal keeps rich from wrapping table cells mid-word.
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "horizonbench.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_doctor_passes_and_names_the_engine(base_image: str) -> None:
    proc = _horizonbench("doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Docker {engine.engine_version()}" in proc.stdout
    assert "base image" in proc.stdout


def test_sandbox_demo_runs(base_image: str) -> None:
    proc = _horizonbench("sandbox", "demo")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("started hb-")
    assert "timed_out=True" in proc.stdout
    assert "oom_killed=True" in proc.stdout
    assert "Network is unreachable" in proc.stdout
    assert "read back intact: True" in proc.stdout
    assert lines[-1] == "sandbox removed"
