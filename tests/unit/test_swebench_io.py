"""SWE-bench instance and prediction parsing, and import into task folders (no Docker)."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from horizonbench.errors import TaskError
from horizonbench.models.task import EnvironmentSection
from horizonbench.tasks.loader import load_task
from horizonbench.tasks.swebench_io import (
    Unsupported,
    import_instances,
    listed_tests,
    log_parser_for,
    patch_files,
    read_jsonl,
)
from horizonbench.workflows.predictions import read_predictions

DIFF = """diff --git a/pkg/mod.py b/pkg/mod.py
index 1..2 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -1 +1 @@
-x = 1
+x = 2
diff --git a/tests/old.py b/tests/old.py
deleted file mode 100644
--- a/tests/old.py
+++ /dev/null
@@ -1 +0,0 @@
-pass
"""


def git(cwd: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args]
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_read_jsonl_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "i.jsonl"
    f.write_text('{"a": 1}\n\n{"b": \n')
    with pytest.raises(TaskError, match=r"i\.jsonl:3: invalid JSON"):
        read_jsonl(f)
    f.write_text('[{"a": 1}, {"b": 2}]')
    assert read_jsonl(f) == [{"a": 1}, {"b": 2}]
    f.write_text("[1]")
    with pytest.raises(TaskError, match="expected a JSON object"):
        read_jsonl(f)


def test_test_lists_accept_json_strings_and_lists() -> None:
    assert listed_tests({"FAIL_TO_PASS": '["a::b"]'}, "FAIL_TO_PASS") == ["a::b"]
    assert listed_tests({"PASS_TO_PASS": ["x"]}, "PASS_TO_PASS") == ["x"]
    assert listed_tests({}, "PASS_TO_PASS") == []
    with pytest.raises(Unsupported, match="not a JSON list"):
        listed_tests({"FAIL_TO_PASS": "[oops"}, "FAIL_TO_PASS")


def test_patch_files_and_deletions() -> None:
    assert patch_files(DIFF) == [("pkg/mod.py", False), ("tests/old.py", True)]


def test_log_parser_only_pytest_style() -> None:
    assert log_parser_for("someone/project") == "parse_log_pytest"
    with pytest.raises(Unsupported, match="parse_log_django"):
        log_parser_for("django/django")


def test_source_packages_must_be_pinned() -> None:
    assert EnvironmentSection(source_packages=[" attrs==23.1.0 "]).source_packages == ["attrs==23.1.0"]
    with pytest.raises(ValueError, match="not pinned"):
        EnvironmentSection(source_packages=["attrs>=23"])


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repos = tmp_path / "repos"
    repo = repos / "acme__calc"
    (repo / "calc").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "calc" / "__init__.py").write_text("def add(a, b):\n    return a - b\n")
    (repo / "tests" / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "calc" / "__init__.py").write_text("def add(a, b):\n    return a + b\n")
    patch = git(repo, "diff")
    git(repo, "checkout", "-q", ".")
    with (repo / "tests" / "test_calc.py").open("a") as fh:
        fh.write("\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    test_patch = git(repo, "diff")
    git(repo, "checkout", "-q", ".")
    return repos, {"base": base, "patch": patch, "test_patch": test_patch}


def _instance(c: dict[str, str], **over: str) -> dict[str, str]:
    return {
        "repo": "acme/calc",
        "instance_id": "acme__calc-1",
        "base_commit": c["base"],
        "patch": c["patch"],
        "test_patch": c["test_patch"],
        "problem_statement": "add() subtracts.",
        "version": "1.0",
        "FAIL_TO_PASS": '["tests/test_calc.py::test_add"]',
        "PASS_TO_PASS": '["tests/test_calc.py::test_zero"]',
        **over,
    }


def test_import_writes_a_loadable_task(clone: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    repos, c = clone
    f = tmp_path / "i.jsonl"
    rows = [
        _instance(c),
        _instance(c, instance_id="acme__calc-2", patch=""),
        _instance(c, instance_id="acme__calc-3", base_commit="f" * 40),
        _instance(c, instance_id="acme__calc-4", test_patch=DIFF),
        _instance(c, instance_id="acme__calc-5", patch=DIFF.split("diff --git a/tests")[0]),
    ]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = import_instances(f, repos, tmp_path / "suite")
    reasons = dict(report.skipped)
    assert [p.name for p in report.imported] == ["acme__calc-1"]
    assert "missing field(s) patch" in reasons["acme__calc-2"]
    assert "is not in the clone" in reasons["acme__calc-3"]
    assert "deletes files" in reasons["acme__calc-4"]
    assert "patch does not apply" in reasons["acme__calc-5"]

    task = load_task(report.imported[0])
    v = task.config.verifier
    assert (v.grader, task.grading_mode, v.tests_dir) == ("swebench", "fresh", "/work/repo")
    assert v.fail_to_pass == ["tests/test_calc.py::test_add"] and v.command is not None
    assert v.command.endswith("tests/test_calc.py")
    assert "def test_add" in (task.tests_dir / "tests" / "test_calc.py").read_text()
    assert (task.solution_dir / "patch.diff").read_text() == c["patch"]
    with tarfile.open(task.environment_dir / "repo.tar") as tar:
        names = tar.getnames()
    assert "calc/__init__.py" in names and not any(n.startswith(".git/") for n in names)
    assert "add() subtracts." in task.instruction

    again = import_instances(f, repos, tmp_path / "suite")
    assert "exists" in dict(again.skipped)["acme__calc-1"]


def test_import_needs_the_repos_dir(tmp_path: Path) -> None:
    f = tmp_path / "i.jsonl"
    f.write_text("")
    with pytest.raises(TaskError, match="--repos"):
        import_instances(f, tmp_path / "nope", tmp_path / "out")


def test_read_predictions_formats(tmp_path: Path) -> None:
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps({"instance_id": "a", "model_name_or_path": "m", "model_patch": "d"}) + "\n")
    assert [(p.instance_id, p.model, p.patch) for p in read_predictions(f)] == [("a", "m", "d")]
    f.write_text(json.dumps({"a": {"instance_id": "a", "model_patch": None}, "b": {"instance_id": "b"}}))
    assert [(p.instance_id, p.patch) for p in read_predictions(f)] == [("a", ""), ("b", "")]
    f.write_text(json.dumps({"model_patch": "x"}) + "\n" + json.dumps({"model_patch": "y"}) + "\n")
    with pytest.raises(TaskError, match="instance_id is missing"):
        read_predictions(f)
    with pytest.raises(TaskError, match="not found"):
        read_predictions(tmp_path / "missing.jsonl")
