"""Harbor's current task.toml format loads whole: every field, [[steps]] on disk, the
fields without effect here named once per suite, older spellings summed up per suite."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

from horizonbench.errors import TaskError
from horizonbench.models import Verdict
from horizonbench.models.result import MilestoneResult
from horizonbench.runner.steps import below_min_reward, combine
from horizonbench.tasks.loader import load_suite, load_task

CURRENT = """\
schema_version = "1.4"
source = "harbor"
multi_step_reward_strategy = "final"
artifacts = ["/app/report.txt", { source = "/app/out", destination = "out", exclude = ["*.log"], service = "main" }]

[task]
name = "org/every-field"
version = "2.1.0"
description = "Every field of the format."
authors = [{ name = "Ada", email = "ada@example.org" }]
keywords = ["all"]

[metadata]
difficulty = "hard"
category = "systems"
custom_key = "kept"

[agent]
timeout_sec = 300.0
user = "agent"
network_mode = "no-network"

[environment]
build_timeout_sec = 900.0
docker_image = "org/image:1"
os = "Linux"
cpus = 2
memory_mb = 4096
storage_mb = 20480
gpus = 1
gpu_types = ["H100"]
tpu = { type = "v6e", topology = "2x4" }
env = { MODE = "test" }
skills_dir = "/skills"
workdir = "/app"
mcp_servers = [{ name = "docs", transport = "streamable-http", url = "http://127.0.0.1:9/mcp" }]

[environment.healthcheck]
command = "test -f /ready"
interval_sec = 1.0
retries = 5

[verifier]
timeout_sec = 120.0
env = { SHARED = "1", LEVEL = "task" }
user = "root"
environment_mode = "separate"

[verifier.environment]
docker_image = "org/verifier:1"

[verifier.continuous]
enabled = true
watch_dir = "/app/submissions/queue"

[[verifier.collect]]
command = "cp /var/lib/state.db /app/out/"
timeout_sec = 30.0

[solution.env]
TOKEN = "from-solution"

[[steps]]
name = "first"
min_reward = 1.0
artifacts = ["/app/first.txt"]

[steps.agent]
timeout_sec = 60.0

[steps.verifier]
timeout_sec = 30.0
env = { LEVEL = "step" }

[steps.healthcheck]
command = "true"

[[steps]]
name = "second"
min_reward = { reward = 0.5 }
"""


def write(root: Path, toml: str, name: str = "t", steps: tuple[str, ...] = (), step_tests: bool = True) -> Path:
    d = root / name
    (d / "tests").mkdir(parents=True)
    (d / "environment").mkdir()
    (d / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\n")
    (d / "task.toml").write_text(toml)
    (d / "tests" / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    if not steps:
        (d / "instruction.md").write_text("Do it.\n")
    for step in steps:
        (d / "steps" / step / "tests").mkdir(parents=True)
        (d / "steps" / step / "solution").mkdir()
        (d / "steps" / step / "instruction.md").write_text(f"Step {step}.\n")
        if step_tests:
            (d / "steps" / step / "tests" / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    return d


def test_every_field_of_the_current_format_loads(tmp_path: Path) -> None:
    task = load_task(write(tmp_path, CURRENT, steps=("first", "second")))
    c = task.config
    assert c.schema_version == "1.4" and c.source == "harbor" and c.multi_step_reward_strategy == "final"
    assert [(a.source, a.target, a.exclude) for a in c.artifacts] == [
        ("/app/report.txt", "app/report.txt", []),
        ("/app/out", "out", ["*.log"]),
    ]
    assert c.task is not None and (c.task.name, c.task.version, c.task.authors[0].email) == (
        "org/every-field",
        "2.1.0",
        "ada@example.org",
    )
    assert (c.metadata.model_extra or {})["custom_key"] == "kept"
    assert (c.agent.timeout_sec, c.agent.user, c.agent.network_mode) == (300.0, "agent", "no-network")
    e = c.environment
    assert (e.os, e.cpus, e.memory_mb, e.storage_mb, e.gpus, e.workdir) == ("linux", 2, 4096, 20480, 1, "/app")
    assert e.tpu is not None and (e.tpu.type, e.tpu.topology) == ("v6e", "2x4")
    assert e.healthcheck is not None and e.healthcheck.retries == 5
    assert e.mcp_servers[0].transport == "streamable-http"
    v = c.verifier
    assert v.environment_mode == "separate" and v.environment is not None
    assert v.environment.docker_image == "org/verifier:1"
    assert v.continuous.enabled and (v.continuous.model_extra or {})["watch_dir"] == "/app/submissions/queue"
    assert [(h.command, h.service, h.timeout_sec) for h in v.collect] == [
        ("cp /var/lib/state.db /app/out/", "main", 30.0)
    ]
    assert c.solution.env == {"TOKEN": "from-solution"}
    assert c.steps is not None and [s.name for s in c.steps] == ["first", "second"]
    assert c.steps[0].min_reward == 1.0 and c.steps[1].min_reward == {"reward": 0.5}
    assert c.steps[0].artifacts[0].source == "/app/first.txt" and c.steps[0].healthcheck is not None
    assert task.is_multi_step and task.instruction == ""  # a top-level instruction is never sent


def test_a_step_sees_its_own_instruction_tests_solution_and_limits(tmp_path: Path) -> None:
    task = load_task(write(tmp_path, CURRENT, steps=("first", "second")))
    first, second = task.for_step(0), task.for_step(1)
    assert first.instruction == "Step first.\n" and not first.is_multi_step
    assert first.config.agent.timeout_sec == 60.0 and second.config.agent.timeout_sec == 300.0
    assert first.config.verifier.timeout_sec == 30.0 and second.config.verifier.timeout_sec == 120.0
    assert first.config.verifier.env == {"SHARED": "1", "LEVEL": "step"}  # merged, the step's wins
    assert second.config.verifier.env == {"SHARED": "1", "LEVEL": "task"}
    assert first.test_dirs == [task.path / "tests", task.path / "steps" / "first" / "tests"]  # the step's last
    assert first.solution_dir == task.path / "steps" / "first" / "solution"
    assert task.solution_dir == task.path / "solution"
    assert first.content_hash() == task.content_hash()


@pytest.mark.parametrize(
    ("toml_tail", "steps", "message"),
    [
        ('[[steps]]\nname = "a"\n[[steps]]\nname = "a"\n', ("a",), "two steps are named 'a'"),
        ('[[steps]]\nname = "../up"\n', (), r"steps\.0\.name"),
        ('[[steps]]\nname = "b"\n', (), r"steps/b/instruction.md: file not found"),
        ('artifacts = [{ source = "/x", destination = "../out" }]\n', (), r"artifacts\.0\.destination"),
        ('artifacts = [{ source = "/x", destination = "manifest.json" }]\n', (), "collection manifest"),
        ('artifacts = ["/app/../etc/passwd"]\n', (), r"artifacts\.0\.source"),
        ('multi_step_reward_strategy = "max"\n', (), "multi_step_reward_strategy"),
        ("steps = []\n", (), "at least one"),
        ('[[steps]]\nname = "a"\n[[milestones]]\nname = "m"\ntests = ["t"]\n', ("a",), "are its milestones"),
    ],
)
def test_bad_harbor_fields_are_one_line_errors_naming_the_field(
    tmp_path: Path, toml_tail: str, steps: tuple[str, ...], message: str
) -> None:
    # Top-level keys come before any table in TOML.
    d = write(tmp_path, toml_tail, steps=steps)
    with pytest.raises(TaskError, match=message) as err:
        load_task(d)
    assert "\n" not in str(err.value)  # one line


def test_a_step_without_any_test_sh_is_refused(tmp_path: Path) -> None:
    d = write(tmp_path, '[[steps]]\nname = "only"\n', steps=("only",), step_tests=False)
    load_task(d)  # the task's tests/test.sh serves every step
    (d / "tests" / "test.sh").unlink()
    with pytest.raises(TaskError, match=r"steps/only/tests: test.sh is missing"):
        load_task(d)


def test_fields_without_effect_are_named_once_per_suite(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for i in range(3):
        write(tmp_path, CURRENT, name=f"t{i}", steps=("first", "second"))
    with caplog.at_level(logging.WARNING):
        load_suite(tmp_path)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == len(set(lines))
    for field in (
        "[environment] gpus",
        "[environment] gpu_types",
        "[environment] tpu",
        "[environment] mcp_servers",
        "[environment] skills_dir",
        "[environment] healthcheck",
        "[verifier] user",
        "[verifier] environment loads",
        "[verifier] environment_mode = separate",
        "[verifier.continuous]",
        "[[steps]] healthcheck",
    ):
        hits = [line for line in lines if field in line]
        assert len(hits) == 1 and "3 of 3 task(s)" in hits[0] and "no effect" in hits[0], (field, lines)
    # What works here (artifacts, steps, collect hooks, solution env) is not listed.
    assert not any(word in line for line in lines for word in ("artifacts", "steps loads", "collect", "solution"))


def test_older_spellings_give_one_summary_line_per_suite(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tb2 = 'version = "1.0"\n[environment]\ndocker_image = "x"\nmemory = "2G"\nstorage = "10G"\n'
    for i in range(5):
        write(tmp_path, tb2, name=f"t{i}")
    write(tmp_path, '[environment]\ndocker_image = "x"\n', name="current")
    with warnings.catch_warnings(record=True) as escaped, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        suite = load_suite(tmp_path)
    assert not [w for w in escaped if issubclass(w.category, DeprecationWarning)]  # none escapes per task
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert any("5 of 6 task(s): version is spelled schema_version now" in line for line in lines)
    assert any("5 of 6 task(s): [environment] memory is deprecated; use memory_mb" in line for line in lines)
    assert any("5 of 6 task(s): [environment] storage is deprecated; use storage_mb" in line for line in lines)
    t0 = next(t for t in suite.tasks if t.name == "t0")
    assert (t0.config.schema_version, t0.config.environment.memory_mb, t0.config.environment.storage_mb) == (
        "1.0",
        2048,
        10240,
    )
    assert next(t for t in suite.tasks if t.name == "current").notices == []


def test_min_reward_gates_as_harbor_does() -> None:
    assert below_min_reward(0.4, None) is None
    assert below_min_reward(1.0, 1.0) is None
    assert below_min_reward(0.5, 1.0) == "reward 0.5 is below min_reward 1"
    assert below_min_reward(0.7, {"reward": 0.5}) is None
    # A key other than reward is missing here, and a missing key is below any threshold.
    assert below_min_reward(1.0, {"accuracy": 0.1}) == "accuracy -inf is below min_reward 0.1"


def _verdict(reward: float) -> Verdict:
    return Verdict(status="passed" if reward >= 1 else "failed", reward=reward, grader="reward", mode="same")


def test_the_trial_reward_is_the_mean_or_the_final_step(tmp_path: Path) -> None:
    mean_task = load_task(write(tmp_path, '[[steps]]\nname = "a"\n[[steps]]\nname = "b"\n', steps=("a", "b")))
    reports = [MilestoneResult(name="a", passed=True, reward=1.0), MilestoneResult(name="b", passed=False, reward=0.5)]
    mean = combine(mean_task, reports, [_verdict(1.0), _verdict(0.5)], "")
    assert (mean.status, mean.reward, mean.furthest_milestone) == ("failed", 0.75, 0)
    assert mean.detail == "1/2 steps passed; reward 0.75 (mean)"
    # A step not run does not count in the mean (Harbor's rule).
    stopped = [MilestoneResult(name="a", passed=False, reward=0.5), MilestoneResult(name="b", passed=False)]
    partial = combine(mean_task, stopped, [_verdict(0.5)], "step a: below")
    assert partial.reward == 0.5 and partial.detail.endswith("; step a: below")

    final_toml = 'multi_step_reward_strategy = "final"\n[[steps]]\nname = "a"\n[[steps]]\nname = "b"\n'
    final_task = load_task(write(tmp_path, final_toml, name="final", steps=("a", "b")))
    final = combine(final_task, reports[::-1], [_verdict(0.5), _verdict(1.0)], "")
    assert (final.status, final.reward) == ("passed", 1.0)
