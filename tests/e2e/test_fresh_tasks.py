"""Ladder tasks generated at evaluation time: new seeds no model can have seen, dated today, sound."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from horizonbench.tasks.loader import load_task
from tests.helpers import hb

pytestmark = pytest.mark.docker


def test_fresh_ladder_tasks_are_new_dated_and_sound(tmp_path: Path) -> None:
    seeds = []
    for name in ("a", "b"):
        res = hb("tasks", "generate", "ladder", "--length", "2", "--fresh", "--out", tmp_path / name)
        assert res.returncode == 0, res.stderr
        seeds.append(int(re.search(r"seed (\d+)", res.stdout).group(1)))  # type: ignore[union-attr]
    assert seeds[0] != seeds[1] and min(seeds) >= 1_000_000  # none of the shipped suite's seeds
    task = load_task(tmp_path / "a")
    assert task.created == datetime.now(UTC).date().isoformat()
    check = hb("tasks", "check", tmp_path / "a", timeout=600)
    assert check.returncode == 0, check.stdout + check.stderr
