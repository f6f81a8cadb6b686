"""The run path end to end through the CLI, on the smoke suite and a real engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from horizonbench.models import RunManifest, TrialResult
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker
SMOKE = REPO / "tasks" / "smoke"


def test_tasks_check_smoke_passes() -> None:
    res = hb("tasks", "check", SMOKE)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "3/3 task(s) sound" in res.stdout


def test_oracle_run_writes_results_and_resumes(tmp_path: Path) -> None:
    res = hb(
        "run", SMOKE, "--agent", "oracle", "--attempts", "2", "--run-id", "r", "--results", tmp_path, "--no-progress"
    )
    assert res.returncode == 0, res.stderr
    assert "6 passed, 0 failed, 0 errors" in res.stdout
    run = tmp_path / "r"
    manifest = RunManifest.model_validate_json((run / "run.json").read_text())
    assert manifest.config.attempts == 2 and set(manifest.images) == {"fix-median", "sales-report", "word-report"}
    trials = sorted((run / "trials").iterdir())
    assert len(trials) == 6
    for t in trials:
        assert {"result.json", "agent.log", "verifier.log", "agent.diff", "trajectory.jsonl"} <= {
            p.name for p in t.iterdir()
        }
        result = TrialResult.model_validate_json((t / "result.json").read_text())
        assert result.status == "passed" and result.verdict is not None
        assert result.timings.total_s > 0 and result.image_id.startswith("sha256:")
    fix = TrialResult.model_validate_json((run / "trials" / "fix-median__oracle__0" / "result.json").read_text())
    assert fix.verdict is not None and fix.verdict.resolution == "RESOLVED_FULL"
    assert "statkit/stats.py" in (run / "trials" / "fix-median__oracle__0" / "agent.diff").read_text()
    sales = json.loads((run / "trials" / "sales-report__oracle__1" / "result.json").read_text())
    assert [m["passed"] for m in sales["verdict"]["milestones"]] == [True, True, True]

    again = hb(
        "run", SMOKE, "--agent", "oracle", "--attempts", "2", "--run-id", "r", "--results", tmp_path, "--no-progress"
    )
    assert again.returncode == 0 and "(6 already done)" in again.stdout

    other = hb("run", SMOKE, "--agent", "nop", "--attempts", "2", "--run-id", "r", "--results", tmp_path)
    assert other.returncode == 2
    assert "different configuration" in other.stderr and "Traceback" not in other.stderr


def test_nop_fails_every_smoke_task(tmp_path: Path) -> None:
    res = hb("run", SMOKE, "--agent", "nop", "--run-id", "n", "--results", tmp_path, "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "0 passed, 3 failed, 0 errors" in res.stdout


def test_failed_build_is_an_error_naming_the_log(tmp_path: Path) -> None:
    task = tmp_path / "suite" / "broken-build"
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "task.toml").write_text("[verifier]\ntimeout_sec = 30\n")
    (task / "instruction.md").write_text("Nothing to do.\n")
    (task / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\nRUN echo building; exit 3\n")
    (task / "tests" / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    res = hb("run", task, "--agent", "oracle", "--run-id", "b", "--results", tmp_path / "res", "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "0 passed, 0 failed, 1 errors" in res.stdout
    result = TrialResult.model_validate_json(
        (tmp_path / "res" / "b" / "trials" / "broken-build__oracle__0" / "result.json").read_text()
    )
    assert result.status == "error" and result.error_kind == "image"
    assert result.error is not None and "broken-build" in result.error and "build log:" in result.error
    log_path = Path(result.error.split("build log: ")[1].strip())
    assert "building" in log_path.read_text()


def test_bad_task_is_one_line_error(tmp_path: Path) -> None:
    task = tmp_path / "bad"
    task.mkdir()
    (task / "task.toml").write_text('[verifier]\ngrader = "vibes"\n')
    (task / "instruction.md").write_text("x\n")
    res = hb("tasks", "list", task)
    assert res.returncode == 2
    assert "verifier.grader" in res.stderr and str(task / "task.toml") in res.stderr
    assert "Traceback" not in res.stderr
