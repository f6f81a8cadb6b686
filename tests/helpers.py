"""Shared helpers for tests that drive the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def hb(
    *args: str | Path, timeout: float = 600, cwd: Path = REPO, pythonpath: tuple[Path, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``horizonbench ARGS`` as a user would (a separate process), from the repo root
    so that ``tests.agents:...`` adapters can be named."""
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": os.pathsep.join(map(str, [*pythonpath, REPO]))}
    return subprocess.run(
        [sys.executable, "-m", "horizonbench.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
