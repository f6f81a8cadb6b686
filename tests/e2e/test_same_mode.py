"""Same-mode grading as Harbor's tasks expect it: a service the agent was asked to leave
running still answers the tests, and a tool it installed under /usr/local is used, not
refused. The tasks are in Harbor's current format (tests/fixtures/harbor_suite)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from horizonbench.runner.run import RunOptions, execute
from horizonbench.sandbox import engine
from horizonbench.sandbox.reaper import LABEL_RUN, LABEL_SNAPSHOT
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO

pytestmark = pytest.mark.docker

SUITE = REPO / "tests" / "fixtures" / "harbor_suite"


def run(task_name: str, results: Path) -> dict[str, TrialResult]:
    run_id = f"same-{task_name}"
    opts = RunOptions(run_id=run_id, agents=["oracle", "nop"], results_root=results)
    summary = asyncio.run(execute([load_task(SUITE / task_name)], [], opts))
    left = engine.client().containers.list(all=True, filters={"label": f"{LABEL_RUN}={run_id}"})
    assert left == [], "the run left containers behind"
    snapshots = engine.client().images.list(filters={"label": [LABEL_SNAPSHOT, f"{LABEL_RUN}={run_id}"]})
    assert snapshots == [], "the run left snapshot images behind"
    return {r.agent: r for r in summary.results}


def verifier_log(results: Path, r: TrialResult) -> str:
    return (results / r.run_id / "trials" / r.trial_id / "verifier.log").read_text()


def test_a_service_left_running_answers_the_tests(tmp_path: Path) -> None:
    by_agent = run("service-left-running", tmp_path)
    oracle, nop = by_agent["oracle"], by_agent["nop"]
    assert oracle.status == "passed", f"{oracle.error or oracle.verdict}"
    assert "status: 'ready'" in verifier_log(tmp_path, oracle)  # it answered, and pgrep saw it
    assert oracle.flags == []
    assert nop.status == "failed" and nop.reward == 0.0


def test_a_tool_installed_under_usr_local_is_not_refused(tmp_path: Path) -> None:
    by_agent = run("tool-in-usr-local", tmp_path)
    oracle, nop = by_agent["oracle"], by_agent["nop"]
    assert oracle.status == "passed", f"{oracle.error or oracle.verdict}"
    assert "tampered_system" not in oracle.flags
    assert "wordcount: '4' module: '2'" in verifier_log(tmp_path, oracle)
    assert nop.status == "failed" and nop.reward == 0.0
