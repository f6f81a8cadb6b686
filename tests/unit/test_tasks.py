"""task.toml and suite loading: Harbor's fields, ours, clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from horizonbench.errors import TaskError
from horizonbench.tasks.loader import load_suite, load_task, load_tasks, select

REPO = Path(__file__).resolve().parents[2]

HARBOR_TOML = """\
version = "1.0"
source = "terminal-bench"

[task]
name = "acme/hello"
description = "say hello"
authors = [{ name = "Ada", email = "ada@example.org" }]
keywords = ["shell"]

[metadata]
author_name = "Ada"
author_email = "ada@example.org"
difficulty = "hard"
category = "system-administration"
tags = ["shell", "files"]
expert_time_estimate_min = 45.0
junior_time_estimate_min = 120.0
custom_note = "kept"

[verifier]
timeout_sec = 120.0
env = { MODE = "strict" }
user = "root"

[agent]
timeout_sec = 900.0
user = 1000

[solution]
env = { HINT = "x" }

[environment]
build_timeout_sec = 300.0
docker_image = "example/hello:1"
cpus = 2
memory_mb = 4096
storage_mb = 20480
gpus = 0
allow_internet = false
env = { LANG = "C.UTF-8" }

[environment.healthcheck]
command = "true"
retries = 2
"""


def make_task(root: Path, toml: str, name: str = "t1", tests: bool = True) -> Path:
    d = root / name
    (d / "tests").mkdir(parents=True)
    (d / "task.toml").write_text(toml)
    (d / "instruction.md").write_text("Do the thing.\n")
    if tests:
        (d / "tests" / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    return d


def test_harbor_task_loads_unchanged(tmp_path: Path) -> None:
    task = load_task(make_task(tmp_path, HARBOR_TOML))
    c = task.config
    assert c.schema_version == "1.0"
    assert c.task is not None and c.task.authors[0].name == "Ada"
    assert task.difficulty == "hard"
    assert task.expert_minutes == 45.0
    assert c.metadata.model_extra == {"custom_note": "kept"}
    assert c.agent.timeout_sec == 900.0 and c.agent.user == 1000
    assert c.environment.memory_mb == 4096 and c.environment.docker_image == "example/hello:1"
    assert c.environment.healthcheck is not None and c.environment.healthcheck.retries == 2
    assert c.verifier.grader == "reward" and task.grading_mode == "same"
    assert task.family == "t1"


def test_unknown_field_names_file_and_field(tmp_path: Path) -> None:
    d = make_task(tmp_path, HARBOR_TOML.replace("timeout_sec = 120.0", "timout_sec = 120.0"))
    with pytest.raises(TaskError) as err:
        load_task(d)
    msg = str(err.value)
    assert str(d / "task.toml") in msg and "verifier.timout_sec: unknown field" in msg
    assert "\n" not in msg


def test_bad_value_names_field(tmp_path: Path) -> None:
    d = make_task(tmp_path, '[verifier]\ngrader = "magic"\n')
    with pytest.raises(TaskError, match=r"verifier\.grader: Input should be"):
        load_task(d)


def test_invalid_toml_names_line(tmp_path: Path) -> None:
    d = make_task(tmp_path, "[verifier\n")
    with pytest.raises(TaskError, match=r"task\.toml: invalid TOML: .*line 1"):
        load_task(d)


def test_old_spellings_load_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    toml = (
        '[environment]\nmemory = "1G"\nstorage = "512M"\ndocker_image = "x"\n'
        '[verifier]\ngrader = "swebench"\nFAIL_TO_PASS = ["t::a"]\n'
    )
    with caplog.at_level(logging.WARNING):
        task = load_task(make_task(tmp_path, toml))
    assert task.config.environment.memory_mb == 1024
    assert task.config.environment.storage_mb == 512
    assert task.config.verifier.fail_to_pass == ["t::a"]
    assert "memory is deprecated" in caplog.text and "FAIL_TO_PASS is spelled fail_to_pass" in caplog.text


def test_swebench_grader_needs_tests(tmp_path: Path) -> None:
    d = make_task(tmp_path, '[environment]\ndocker_image = "x"\n[verifier]\ngrader = "swebench"\n')
    with pytest.raises(TaskError, match="fail_to_pass: the swebench grader needs at least one test"):
        load_task(d)


def test_missing_instruction_and_environment(tmp_path: Path) -> None:
    d = make_task(tmp_path, "")
    with pytest.raises(TaskError, match="environment/Dockerfile is missing"):
        load_task(d)
    (d / "instruction.md").unlink()
    with pytest.raises(TaskError, match=r"instruction\.md: file not found"):
        load_task(d)


def test_smoke_suite_and_filters() -> None:
    suite = load_suite(REPO / "tasks" / "smoke")
    assert suite.name == "smoke" and len(suite.tasks) >= 3
    graders = {t.config.verifier.grader for t in suite.tasks}
    assert graders == {"swebench", "reward", "milestones"}
    tasks = suite.tasks
    assert [t.name for t in select(tasks, names=["fix-*"])] == ["fix-median"]
    assert {t.name for t in select(tasks, tags=["milestones"])} == {"sales-report"}
    assert {t.name for t in select(tasks, difficulty=["medium"])} == {"sales-report"}
    assert {t.name for t in select(tasks, min_minutes=5)} == {"sales-report"}
    assert {t.name for t in select(tasks, max_minutes=3)} == {"fix-median", "word-report"}


def test_duplicate_task_names_refused(tmp_path: Path) -> None:
    a = make_task(tmp_path / "a", '[environment]\ndocker_image = "x"\n', name="same")
    b = make_task(tmp_path / "b", '[environment]\ndocker_image = "x"\n', name="same")
    with pytest.raises(TaskError, match="share the name 'same'"):
        load_tasks([a, b])


def test_content_hash_follows_files(tmp_path: Path) -> None:
    d = make_task(tmp_path, '[environment]\ndocker_image = "x"\n')
    h1 = load_task(d).content_hash()
    (d / "tests" / "test.sh").write_text("echo 0 > /logs/verifier/reward.txt\n")
    assert load_task(d).content_hash() != h1


def _task_with_include(root: Path, include: str) -> Path:
    task = root / "suite" / "t"
    (task / "environment").mkdir(parents=True)
    (task / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\n")
    (task / "instruction.md").write_text("do it\n")
    (task / "tests").mkdir()
    (task / "tests" / "test.sh").write_text("exit 0\n")
    (task / "task.toml").write_text(f'version = "1.0"\n[environment]\ninclude = {include}\n')
    return task


def test_shared_files_are_included_hashed_and_kept_in_the_suite(tmp_path: Path) -> None:
    from horizonbench.sandbox.images import image_tag

    path = _task_with_include(tmp_path, '{ "kit/lib.py" = "../_shared/lib.py" }')
    (tmp_path / "suite" / "_shared").mkdir()
    shared = tmp_path / "suite" / "_shared" / "lib.py"
    shared.write_text("X = 1\n")
    task = load_task(path)
    assert task.environment_includes() == {"kit/lib.py": shared.resolve()}
    before, tag = task.content_hash(), image_tag(task)
    shared.write_text("X = 2\n")  # a change to shared code is a change of every task that includes it
    assert task.content_hash() != before and image_tag(task) != tag

    outside = _task_with_include(tmp_path / "other", '{ "lib.py" = "../../../suite/_shared/lib.py" }')
    with pytest.raises(TaskError, match=r"environment.include .* is not a file in the suite folder"):
        load_task(outside).environment_includes()
    escaping = _task_with_include(tmp_path / "third", '{ "../lib.py" = "../t/instruction.md" }')
    with pytest.raises(TaskError, match="must be a relative path"):
        load_task(escaping).environment_includes()


def test_a_suite_sums_up_notices_in_one_line_each(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    toml = '[environment]\nmemory = "1G"\ndocker_image = "x"\ngpus = 1\nallow_internet = false\n'
    for i in range(4):
        make_task(tmp_path, toml, name=f"t{i}")
    with caplog.at_level(logging.WARNING):
        suite = load_suite(tmp_path)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines  # one per kind of notice, not one per task
    assert any("4 of 4 task(s): [environment] memory is deprecated" in line for line in lines)
    assert any("4 of 4 task(s): [environment] gpus loads but has no effect" in line for line in lines)
    assert not any("allow_internet" in line for line in lines)  # set to what this harness does anyway
    assert all(t.config.environment.gpus == 1 for t in suite.tasks)
