"""A task directory in Harbor / Terminal-Bench 2 layout runs unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from tests.helpers import hb

pytestmark = pytest.mark.docker

TASK_TOML = """\
version = "1.0"

[metadata]
author_name = "Test Author"
author_email = "author@example.org"
difficulty = "medium"
category = "file-operations"
tags = ["bash", "text"]
expert_time_estimate_min = 5.0
junior_time_estimate_min = 15.0

[verifier]
timeout_sec = 60.0

[agent]
timeout_sec = 300.0

[environment]
build_timeout_sec = 300.0
cpus = 1
memory_mb = 512
storage_mb = 2048
"""

DOCKERFILE = """\
FROM horizonbench/base:bookworm
WORKDIR /app
RUN printf 'banana\\napple\\ncherry\\napple\\n' > /app/fruits.txt
"""

TEST_SH = """\
#!/bin/bash
# Harbor convention: write the reward to /logs/verifier/reward.txt
if [ -f /app/sorted.txt ] && [ "$(cat /app/sorted.txt)" = "$(printf 'apple\\nbanana\\ncherry')" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
"""

SOLVE_SH = """\
#!/bin/bash
sort -u /app/fruits.txt > /app/sorted.txt
"""


def write_harbor_task(root: Path) -> Path:
    task = root / "sort-unique"
    for sub in ("environment", "tests", "solution"):
        (task / sub).mkdir(parents=True)
    (task / "instruction.md").write_text("Write the unique lines of /app/fruits.txt, sorted, to /app/sorted.txt.\n")
    (task / "task.toml").write_text(TASK_TOML)
    (task / "environment" / "Dockerfile").write_text(DOCKERFILE)
    (task / "tests" / "test.sh").write_text(TEST_SH)
    (task / "solution" / "solve.sh").write_text(SOLVE_SH)
    return task


def test_harbor_task_runs_unchanged(tmp_path: Path) -> None:
    task = write_harbor_task(tmp_path / "suite")
    check = hb("tasks", "check", task)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "1/1 task(s) sound" in check.stdout

    res = hb(
        "run",
        task,
        "--agent",
        "oracle",
        "--agent",
        "nop",
        "--run-id",
        "h",
        "--results",
        tmp_path / "r",
        "--no-progress",
    )
    assert res.returncode == 0, res.stderr
    trials = tmp_path / "r" / "h" / "trials"
    oracle = TrialResult.model_validate_json((trials / "sort-unique__oracle__0" / "result.json").read_text())
    nop = TrialResult.model_validate_json((trials / "sort-unique__nop__0" / "result.json").read_text())
    assert (oracle.status, oracle.reward) == ("passed", 1.0)
    assert (nop.status, nop.reward) == ("failed", 0.0)
    assert oracle.difficulty == "medium" and oracle.expert_minutes == 5.0
    assert oracle.verdict is not None and oracle.verdict.mode == "same"


def _tool_task_oracle(tmp_path: Path, toml_change: tuple[str, str], dockerfile_extra: str = "") -> TrialResult:
    """The oracle's result on a copy of the Harbor fixture tool-in-usr-local, changed as given."""
    import shutil

    task = tmp_path / "suite" / "tool-in-usr-local"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "harbor_suite" / "tool-in-usr-local", task)
    toml = task / "task.toml"
    toml.write_text(toml.read_text().replace(*toml_change))
    dockerfile = task / "environment" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + dockerfile_extra)
    res = hb("run", tmp_path / "suite", "--run-id", "t", "--results", tmp_path / "r", "--no-progress")
    assert res.returncode == 0, res.stdout + res.stderr
    trial = tmp_path / "r" / "t" / "trials" / "tool-in-usr-local__oracle__0" / "result.json"
    return TrialResult.model_validate_json(trial.read_text())


def test_limits_the_host_cannot_give_are_an_error_before_any_image(tmp_path: Path) -> None:
    """A task asking for more CPUs than the host has: an error of the sandbox, before its
    image is pulled or built (an image build can take minutes)."""
    result = _tool_task_oracle(tmp_path, ("cpus = 1\n", "cpus = 512\n"))
    assert (result.status, result.error_kind) == ("error", "sandbox"), (result.status, result.error)
    assert result.error is not None and "cpus" in result.error
    assert result.image == "" and result.timings.image_s == 0.0


def test_a_build_past_its_time_limit_is_cut(tmp_path: Path) -> None:
    """``build_timeout_sec`` bounds the build, also one that keeps printing."""
    ticking = "RUN for i in $(seq 1 120); do echo tick $i; sleep 1; done\n"
    result = _tool_task_oracle(tmp_path, ("build_timeout_sec = 300.0", "build_timeout_sec = 4.0"), ticking)
    assert (result.status, result.error_kind) == ("error", "image"), (result.status, result.error)
    assert result.error is not None and "ran past build_timeout_sec (4 s)" in result.error
    assert result.timings.image_s < 60, result.timings
