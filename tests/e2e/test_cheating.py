"""Agents that try to pass without solving: edited or deleted tests, a planted
conftest.py, fake PASSED lines, fake reward files, a process left to tamper."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from horizonbench.runner.run import RunOptions, execute
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO

pytestmark = pytest.mark.docker
SMOKE = REPO / "tasks" / "smoke"


def run_agent(agent: str, task: str, results: Path) -> TrialResult:
    t = load_task(SMOKE / task)
    opts = RunOptions(run_id="cheat", agents=[f"tests.agents:{agent}"], results_root=results)
    summary = asyncio.run(execute([t], [], opts))
    assert len(summary.results) == 1
    return summary.results[0]


@pytest.mark.parametrize(
    ("agent", "flag"),
    [
        ("RewriteTestsAgent", "touched_protected"),
        ("DeleteTestsAgent", "touched_protected"),
        ("ConftestAgent", "touched_protected"),
        ("FakePassedLinesAgent", "fake_test_summary"),
    ],
)
def test_repository_cheats_do_not_pass(agent: str, flag: str, tmp_path: Path) -> None:
    r = run_agent(agent, "fix-median", tmp_path)
    assert r.status == "failed", r.verdict
    assert r.verdict is not None and r.verdict.resolution == "RESOLVED_NO"
    assert flag in r.flags


@pytest.mark.parametrize("agent", ["FakeRewardAgent", "LingeringWriterAgent"])
def test_fake_reward_does_not_pass(agent: str, tmp_path: Path) -> None:
    r = run_agent(agent, "word-report", tmp_path)
    assert r.status == "failed", r.verdict
    assert r.reward == 0.0
