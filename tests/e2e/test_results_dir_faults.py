"""The results directory is read-only, or fills up during a run: the command line says so
in one line (exit 2, no traceback), no result.json is ever half-written, and the run's
containers are gone. Uses small tmpfs mounts (the tests run as root)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from horizonbench.sandbox import engine, reaper
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def run_args(results: Path, run_id: str, *extra: str) -> list[str]:
    return [
        "run",
        str(REPO / "tasks" / "smoke" / "word-report"),
        "--run-id",
        run_id,
        "--results",
        str(results),
        "--no-progress",
        *extra,
    ]


def one_line_error(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), stderr
    for needle in needles:
        assert needle in last, last


def no_half_written_results(root: Path) -> None:
    for path in root.rglob("result.json"):
        TrialResult.model_validate_json(path.read_text())  # every result.json that exists parses
    assert not [p for p in root.rglob("*.tmp")], "a temporary file was left behind"


def test_read_only_results_directory(small_fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    res = hb(*run_args(small_fs, "ro"))
    assert res.returncode == 2, res.stdout + res.stderr
    one_line_error(res.stderr, str(small_fs / "ro"), "Read-only file system")
    assert list(small_fs.iterdir()) == []


def test_results_directory_fills_up_mid_run(small_fs: Path) -> None:
    args = run_args(small_fs, "full", "--agent", "tests.agents:SlowOracle", "--attempts", "3", "--concurrency", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "horizonbench.cli", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    trials = small_fs / "full" / "trials"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(trials.glob("*/result.json")):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    # The first trial is written; now nothing more fits.
    subprocess.run(["dd", "if=/dev/zero", f"of={small_fs / 'filler'}", "bs=64k"], capture_output=True)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 2, stderr
    one_line_error(stderr, str(small_fs / "full"), "No space left on device")
    no_half_written_results(small_fs)
    assert len(list(trials.glob("*/result.json"))) >= 1
    assert engine.client().containers.list(all=True, filters={"label": f"{reaper.LABEL_RUN}=full"}) == []
