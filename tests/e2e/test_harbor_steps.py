"""Harbor's current task format end to end: a multi-step task with artifacts and a
solution environment (tests/fixtures/harbor_suite/artifacts-and-steps), and the oracle's
solve.sh cut at the task's agent timeout."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker

TASK = REPO / "tests" / "fixtures" / "harbor_suite" / "artifacts-and-steps"


def _result(trials: Path, name: str) -> TrialResult:
    return TrialResult.model_validate_json((trials / name / "result.json").read_text())


def test_multi_step_task_runs_each_step_and_collects_artifacts(tmp_path: Path) -> None:
    res = hb(
        "run", TASK, "--agent", "oracle", "--agent", "nop", "--run-id", "s", "--results", tmp_path, "--no-progress"
    )
    assert res.returncode == 0, res.stderr
    trials = tmp_path / "s" / "trials"
    oracle = _result(trials, "artifacts-and-steps__oracle__0")
    nop = _result(trials, "artifacts-and-steps__nop__0")

    # The oracle ran each step's solve.sh (the first needs [solution] env) and passed both.
    assert (oracle.status, oracle.reward) == ("passed", 1.0), oracle.verdict
    assert oracle.verdict is not None
    assert [(m.name, m.passed, m.reward) for m in oracle.verdict.milestones] == [
        ("write-greeting", True, 1.0),
        ("count-words", True, 1.0),
    ]
    assert oracle.outcome is not None and oracle.outcome.steps == 2  # one solve.sh per step

    # nop fails the first step, below its min_reward: the second does not run.
    assert (nop.status, nop.reward) == ("failed", 0.0)
    assert nop.verdict is not None
    assert [(m.name, m.passed, m.reward) for m in nop.verdict.milestones] == [
        ("write-greeting", False, 0.0),
        ("count-words", False, None),
    ]
    assert "below min_reward 1" in nop.verdict.detail
    assert not (trials / "artifacts-and-steps__nop__0" / "steps" / "count-words").exists()

    # Each step has its own verifier log (the task's shared tests/lib.sh under the step's
    # test.sh) and artifacts: the task's and the step's, with the exclude applied.
    step1 = trials / "artifacts-and-steps__oracle__0" / "steps" / "write-greeting"
    step2 = trials / "artifacts-and-steps__oracle__0" / "steps" / "count-words"
    assert "reward 1: greeting written" in (step1 / "verifier.log").read_text()
    assert "reward 1: count is 5" in (step2 / "verifier.log").read_text()  # the step's verifier env
    assert (step1 / "artifacts" / "app" / "out" / "greeting.txt").read_text() == "hello from the first step\n"
    assert (step2 / "artifacts" / "out" / "count.txt").read_text().strip() == "5"
    assert not (step2 / "artifacts" / "out" / "scratch.tmp").exists()  # written by setup.sh, excluded
    assert (step2 / "artifacts" / "app" / "notes.txt").read_text() == "wrote the greeting\ncounted the words\n"
    manifest = json.loads((step2 / "artifacts" / "manifest.json").read_text())
    assert {(e["source"], e["status"]) for e in manifest} == {("/app/notes.txt", "ok"), ("/app/out", "ok")}
    nop_manifest = json.loads(
        (
            trials / "artifacts-and-steps__nop__0" / "steps" / "write-greeting" / "artifacts" / "manifest.json"
        ).read_text()
    )
    assert ("/app/notes.txt", "missing") in {(e["source"], e["status"]) for e in nop_manifest}
    summary = (trials / "artifacts-and-steps__oracle__0" / "verifier.log").read_text()
    assert "=== step write-greeting ===" in summary and "=== step count-words ===" in summary

    check = hb("tasks", "check", TASK)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "1/1 task(s) sound" in check.stdout


SLOW_TOML = """\
schema_version = "1.1"
artifacts = []

[agent]
timeout_sec = 4.0

[verifier]
timeout_sec = 60.0

[environment]
cpus = 1
memory_mb = 512
storage_mb = 1024
"""

SLOW_SOLVE = """\
#!/bin/bash
# A process in a session of its own outlives the cut (the control); the foreground one may not.
setsid sleep 301 < /dev/null > /dev/null 2>&1 &
sleep 600
touch /app/finished
"""

# The grading container sees the processes of the agent's: it says which are still there.
SLOW_TEST = """\
#!/bin/bash
ps -eo args | grep -q '^sleep 301' && echo "control alive"
ps -eo args | grep -q '^sleep 600' && echo "solution alive"
echo 0 > /logs/verifier/reward.txt
"""


def test_oracle_solution_is_cut_at_the_agent_timeout(tmp_path: Path) -> None:
    task = tmp_path / "suite" / "slow-solution"
    for sub in ("environment", "tests", "solution"):
        (task / sub).mkdir(parents=True)
    (task / "task.toml").write_text(SLOW_TOML)
    (task / "instruction.md").write_text("Wait.\n")
    (task / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\nWORKDIR /app\n")
    (task / "solution" / "solve.sh").write_text(SLOW_SOLVE)
    (task / "tests" / "test.sh").write_text(SLOW_TEST)

    started = time.monotonic()
    res = hb("run", task, "--agent", "oracle", "--run-id", "t", "--results", tmp_path / "r", "--no-progress")
    elapsed = time.monotonic() - started
    assert res.returncode == 0, res.stderr
    trial = tmp_path / "r" / "t" / "trials" / "slow-solution__oracle__0"
    result = _result(trial.parent, trial.name)
    assert result.outcome is not None
    assert (result.outcome.status, result.outcome.limit) == ("timeout", "time"), result.outcome
    assert result.timings.agent_s < 10, result.timings  # not the 180 s of one command, nor 600
    assert elapsed < 120
    log = (trial / "verifier.log").read_text()
    assert "control alive" in log, log  # the grader does see the agent's processes...
    assert "solution alive" not in log, log  # ...and solve.sh is no longer among them
    assert result.status == "failed"


def _two_step_task(root: Path, toml_head: str, setup: str | None) -> Path:
    task = root / "suite" / "two-steps"
    (task / "environment").mkdir(parents=True)
    (task / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\nWORKDIR /app\n")
    (task / "task.toml").write_text(toml_head + '\n[[steps]]\nname = "one"\n\n[[steps]]\nname = "two"\n')
    (task / "tests").mkdir()
    # The task's test.sh serves both steps: step one passes only with one.txt, step two with two.txt.
    (task / "tests" / "test.sh").write_text(
        "#!/bin/bash\nif [ -f /app/two.txt ]; then echo 1; elif [ -f /app/one.txt ]; then echo 0.5; else echo 0; fi"
        " > /logs/verifier/reward.txt\n"
    )
    for name in ("one", "two"):
        step = task / "steps" / name
        (step / "solution").mkdir(parents=True)
        (step / "instruction.md").write_text(f"Create /app/{name}.txt.\n")
        (step / "solution" / "solve.sh").write_text(f"touch /app/{name}.txt\n")
    if setup is not None:
        (task / "steps" / "two" / "workdir").mkdir()
        (task / "steps" / "two" / "workdir" / "setup.sh").write_text(setup)
    return task


def test_a_failing_setup_sh_is_an_error_and_final_takes_the_last_step(tmp_path: Path) -> None:
    broken = _two_step_task(tmp_path / "a", "[agent]\ntimeout_sec = 60.0\n", "echo cannot prepare >&2\nexit 3\n")
    res = hb("run", broken, "--agent", "oracle", "--run-id", "b", "--results", tmp_path / "r", "--no-progress")
    assert res.returncode in (0, 1), res.stderr
    result = _result(tmp_path / "r" / "b" / "trials", "two-steps__oracle__0")
    # The task's own preparation failed: not booked against the agent.
    assert (result.status, result.error_kind) == ("error", "setup"), result
    assert result.error is not None and "setup.sh exited 3" in result.error and "cannot prepare" in result.error

    final = _two_step_task(tmp_path / "b", 'multi_step_reward_strategy = "final"\n', None)
    res = hb("run", final, "--agent", "oracle", "--run-id", "f", "--results", tmp_path / "r", "--no-progress")
    assert res.returncode == 0, res.stderr
    result = _result(tmp_path / "r" / "f" / "trials", "two-steps__oracle__0")
    assert result.verdict is not None, result
    assert [(m.name, m.reward) for m in result.verdict.milestones] == [("one", 0.5), ("two", 1.0)]
    assert (result.status, result.reward) == ("passed", 1.0)  # the last step's, not the mean 0.75
