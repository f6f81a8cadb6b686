"""SWE-bench instance and prediction parsing, and import into task folders (no Docker)."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from horizonbench.errors import TaskError
from horizonbench.models.task import EnvironmentSection
from horizonbench.tasks.loader import load_task
from horizonbench.tasks.swebench_io import (
    DEFAULT_REQUIREMENTS,
    Unsupported,
    import_instances,
    listed_tests,
    patch_files,
    read_jsonl,
    with_defaults,
)
from horizonbench.tasks.swebench_sources import read_instances_file
from horizonbench.workflows.predictions import read_predictions
from tests.helpers import hb

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
    assert task.instruction.strip() == "add() subtracts."

    again = import_instances(f, repos, tmp_path / "suite")
    assert "exists" in dict(again.skipped)["acme__calc-1"]


def test_a_repository_with_its_own_runner_is_graded_by_an_eval_script(
    clone: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Tests SWE-bench reads with a runner's own parser (Django's, SymPy's) are built offline
    and graded by an eval script in swebench's layout: the test patch applied at grading,
    the repository at /testbed, the test command with its directives, no hidden tests/ and
    no pytest added."""
    repos, c = clone
    row = _instance(
        c,
        log_parser="parse_log_sympy",
        FAIL_TO_PASS='["test_add"]',
        PASS_TO_PASS='["test_zero"]',
        python="3.11",
        test_cmd="bin/test -C --verbose",
    )
    no_command = _instance(c, instance_id="acme__calc-2", log_parser="parse_log_django")
    report = import_instances([row, no_command], repos, tmp_path / "suite")
    assert [p.name for p in report.imported] == ["acme__calc-1"], report.skipped
    assert "no test command is known for acme/calc" in dict(report.skipped)["acme__calc-2"]
    task = load_task(report.imported[0])
    v = task.config.verifier
    assert v.build_eval_script == "swebench/eval-build.sh" and v.command is None and v.eval_script is None
    assert (v.log_parser, v.fail_to_pass, v.eval_type) == ("parse_log_sympy", ["test_add"], "pass_and_fail")
    assert not task.tests_dir.exists(), "the eval script applies the test patch itself"
    script = (task.path / v.build_eval_script).read_text()
    assert "cd /testbed" in script and "git checkout HEAD tests/test_calc.py" in script
    assert "bin/test -C --verbose tests/test_calc.py\n" in script and c["test_patch"].strip() in script
    assert "WORKDIR /testbed" in (task.environment_dir / "Dockerfile").read_text()
    layer = (task.path / str(task.config.environment.layer) / "layer.toml").read_text()
    assert "pytest" not in layer, layer
    assert (task.path / "swebench" / "test_patch.diff").read_text() == c["test_patch"]


def test_runner_files_are_protected_unless_the_gold_patch_changes_them() -> None:
    from horizonbench.tasks import swebench_eval

    assert swebench_eval.runner_files("sympy/sympy", DIFF) == [
        "bin/test",
        "sympy/utilities/runtests.py",
        "sympy/testing/runtests.py",
    ]
    fix = "diff --git a/django/test/runner.py b/django/test/runner.py\n"
    assert swebench_eval.runner_files("django/django", fix) == ["tests/runtests.py"]
    assert swebench_eval.runner_files("acme/calc", DIFF) == []


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


def test_import_keeps_the_records_values_for_export(clone: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    repos, c = clone
    # The environment is set up at a commit of its own (here one on a side branch of the clone).
    repo = repos / "acme__calc"
    git(repo, "checkout", "-q", "-b", "env-setup")
    git(repo, "commit", "-q", "--allow-empty", "-m", "environment setup")
    setup = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    statement = "add() subtracts.\n\nSee `calc/__init__.py`; nothing may be appended.  \n"
    row = _instance(c, problem_statement=statement, environment_setup_commit=setup, image="swebench/sweb.x:latest")
    f = tmp_path / "i.jsonl"
    f.write_text(json.dumps(row) + "\n")
    absent = _instance(c, instance_id="acme__calc-2", environment_setup_commit="e" * 40)
    g = tmp_path / "absent.jsonl"
    g.write_text(json.dumps(absent) + "\n")
    skipped = import_instances(g, repos, tmp_path / "other").skipped
    assert [iid for iid, _ in skipped] == ["acme__calc-2"] and "environment_setup_commit eeeeeeeeeeee" in skipped[0][1]
    (path,) = import_instances(f, repos, tmp_path / "suite").imported
    task = load_task(path)
    assert (path / "instruction.md").read_text() == statement
    meta = task.config.metadata.model_dump()
    assert meta["swebench_base_commit"] == c["base"]
    assert meta["swebench_environment_setup_commit"] == setup != c["base"]
    assert meta["swebench_image"] == "swebench/sweb.x:latest"


def test_requirements_add_to_the_defaults() -> None:
    assert with_defaults([]) == DEFAULT_REQUIREMENTS
    assert with_defaults(["attrs==23.1.0"]) == [*DEFAULT_REQUIREMENTS, "attrs==23.1.0"]
    # One naming a default's project replaces it (names compared as pip does).
    assert with_defaults(["PyTest==7.4.4", "hypothesis"]) == ["PyTest==7.4.4", "hypothesis"]


def _write_formats(rows: list[dict[str, Any]], tmp_path: Path) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = {k: tmp_path / f"i.{k}" for k in ("jsonl", "json", "parquet")}
    files["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    files["json"].write_text(json.dumps(rows, indent=1))
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, files["parquet"])
    files["arrow"] = tmp_path / "stream.arrow"  # as the datasets library caches a split
    with pa.OSFile(str(files["arrow"]), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    files["arrow-file"] = tmp_path / "file.arrow"
    with pa.OSFile(str(files["arrow-file"]), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return files


def test_import_reads_jsonl_json_parquet_and_arrow(clone: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    repos, c = clone
    # Parquet and Arrow keep lists as lists: FAIL_TO_PASS as a list column, not a JSON string.
    rows = [
        {**_instance(c), "FAIL_TO_PASS": ["tests/test_calc.py::test_add"]},
        _instance(c, instance_id="acme__calc-2", base_commit="f" * 40),
    ]
    rows[1]["FAIL_TO_PASS"] = ["tests/test_calc.py::test_add"]
    for kind, f in _write_formats(rows, tmp_path).items():
        assert read_instances_file(f) == rows, kind
        report = import_instances(f, repos, tmp_path / f"suite-{kind}")
        assert [p.name for p in report.imported] == ["acme__calc-1"], kind
        assert "is not in the clone" in dict(report.skipped)["acme__calc-2"]
        v = load_task(report.imported[0]).config.verifier
        assert v.fail_to_pass == ["tests/test_calc.py::test_add"] and v.pass_to_pass == [
            "tests/test_calc.py::test_zero"
        ]


def test_instance_files_bad_input_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match=r"missing\.parquet: no such file"):
        read_instances_file(tmp_path / "missing.parquet")
    (tmp_path / "i.parquet").write_text("not parquet")
    with pytest.raises(TaskError, match=r"i\.parquet: not a Parquet file"):
        read_instances_file(tmp_path / "i.parquet")
    (tmp_path / "i.arrow").write_text("not arrow")
    with pytest.raises(TaskError, match=r"i\.arrow: not a Arrow IPC file"):
        read_instances_file(tmp_path / "i.arrow")
    (tmp_path / "i.csv").write_text("a,b\n")
    with pytest.raises(TaskError, match=r"unknown instance file type '\.csv'"):
        read_instances_file(tmp_path / "i.csv")


def test_dataset_by_name_offline_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    (tmp_path / "repos").mkdir()
    res = hb(
        "tasks",
        "import-swebench",
        "--dataset",
        "princeton-nlp/SWE-bench_Lite",
        "--split",
        "test",
        "--repos",
        tmp_path / "repos",
        "--out",
        tmp_path / "suite",
    )
    assert res.returncode != 0
    assert "--dataset princeton-nlp/SWE-bench_Lite --split test: cannot load it" in res.stderr + res.stdout
    assert "pass the file instead" in res.stderr + res.stdout and "Traceback" not in res.stderr
    both = hb("tasks", "import-swebench", tmp_path / "i.jsonl", "--dataset", "x/y", "--repos", tmp_path / "repos")
    assert both.returncode != 0 and "not both" in both.stderr + both.stdout
