"""The vendor path: package an adapter, install it, verify it with the conformance kit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker
EXAMPLE = REPO / "examples" / "acme-agent"


def test_example_adapter_installs_and_passes_verify(tmp_path: Path) -> None:
    target = tmp_path / "site"
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(EXAMPLE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert pip.returncode == 0, pip.stderr
    env_path = f"{target}{os.pathsep}{REPO}"
    listed = subprocess.run(
        [sys.executable, "-m", "horizonbench.cli", "agents", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": env_path, "COLUMNS": "200"},
        check=False,
    )
    assert listed.returncode == 0 and "entry point (acme-agent)" in listed.stdout
    res = subprocess.run(
        [sys.executable, "-m", "horizonbench.cli", "agents", "verify", "acme"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": env_path, "COLUMNS": "200"},
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "10/10 requirements met" in res.stdout


def test_verify_catches_a_leaky_adapter(tmp_path: Path) -> None:
    res = hb("agents", "verify", "tests.leaky_adapter:LeakyAgent", timeout=900, pythonpath=(EXAMPLE,))
    assert res.returncode == 1, res.stdout + res.stderr
    rows = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.count("│") >= 3}
    assert "FAIL" in rows["never logs or writes its API key"]
    assert "FAIL" in rows["respects max steps"]
    assert "pass" in rows["completes a task with bash and the editor"]
