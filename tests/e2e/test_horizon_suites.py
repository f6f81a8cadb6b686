"""The tooluse and ladder suites on a real engine: every task is sound, a partial solution
of a ladder earns exactly its steps, and a policy violation fails a tool-use task even when
the end state is right."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from horizonbench.runner.run import RunOptions, execute
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker
TOOLUSE = REPO / "tasks" / "tooluse"
LADDER = REPO / "tasks" / "ladder"


def run_one(task_dir: Path, agent: str, results: Path, **options: object) -> TrialResult:
    opts = RunOptions(
        run_id="t",
        agents=[agent],
        results_root=results,
        agent_options={agent: dict(options)} if options else {},
    )
    summary = asyncio.run(execute([load_task(task_dir)], [], opts))
    assert len(summary.results) == 1
    return summary.results[0]


# Every tooluse task, and one ladder instance of each length with the seeds rotating: the
# instances of one length differ only in generated content, and the sequential image scan of
# `tasks check` costs seconds per task. `horizonbench tasks check tasks/tooluse tasks/ladder`
# checks all 29.
LADDER_SAMPLE = ["ladder-n01-s1", "ladder-n02-s2", "ladder-n04-s3", "ladder-n08-s1", "ladder-n16-s2", "ladder-n32-s3",
                 "ladder-n64-s1"]  # fmt: skip


def test_tasks_check_tooluse_and_ladder() -> None:
    names = [p.name for p in TOOLUSE.iterdir() if (p / "task.toml").is_file()] + LADDER_SAMPLE
    selectors = [arg for name in names for arg in ("--task", name)]
    res = hb("tasks", "check", TOOLUSE, LADDER, *selectors, "--concurrency", "2", timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert f"{len(names)}/{len(names)} task(s) sound" in res.stdout
    assert len(names) >= 8 + 7


@pytest.mark.parametrize(("task", "k"), [("ladder-n08-s2", 3), ("ladder-n16-s1", 11)])
def test_first_k_steps_earn_k_milestones(task: str, k: int, tmp_path: Path) -> None:
    r = run_one(LADDER / task, "tests.horizon_agents:PartialOracle", tmp_path, steps=k)
    n = int(task[len("ladder-n") :][:2])
    assert r.status == "failed" and r.verdict is not None, r.error
    assert r.verdict.milestones_passed == k
    assert r.verdict.furthest_milestone == k - 1  # 0-based index of the last step of the passing prefix
    assert [m.passed for m in r.verdict.milestones] == [i < k for i in range(n)]
    assert r.reward == pytest.approx(k / n)
    assert r.horizon_steps == n


def test_declared_tools_reach_the_reference_state(tmp_path: Path) -> None:
    r = run_one(TOOLUSE / "shop-returns", "tests.horizon_agents:ShopByTheBook", tmp_path)
    assert r.status == "passed", r.verdict


def test_policy_violation_with_the_right_end_state_fails(tmp_path: Path) -> None:
    r = run_one(TOOLUSE / "shop-returns", "tests.horizon_agents:ShopRefundBeforeApproval", tmp_path)
    assert r.status == "failed" and r.verdict is not None
    assert [m.passed for m in r.verdict.milestones] == [True, True, True, True, False]
    assert r.verdict.furthest_milestone == 3
    log = (tmp_path / "t" / "trials" / r.trial_id / "verifier.log").read_text()
    assert "PASSED test_shop.py::test_final_state" in log  # the end state is the reference's
    assert "FAILED test_shop.py::test_policy" in log
    assert "before a manager's approval" in log
