"""SWE-bench records that name their evaluation image (no Docker): the import's modes, the
eval script's layout and how it is run, and how its log is read, set against swebench's own
functions (``make_test_spec``, ``get_logs_eval``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from horizonbench.errors import EvalScriptError, TaskError
from horizonbench.grading import eval_script as running
from horizonbench.models.task import TaskConfig
from horizonbench.sandbox.images import TaskImage
from horizonbench.tasks import swebench_eval
from horizonbench.tasks.loader import load_task
from horizonbench.tasks.swebench_export import instance_of
from horizonbench.tasks.swebench_io import EVAL_SCRIPT, TEST_PATCH, import_instances
from tests.helpers import REPO
from tests.unit.test_swebench_io import _instance, clone  # noqa: F401 - the fixture

IMAGE = "docker.io/swebench/sweb.eval.x86_64.acme_1776_calc-1:latest"
PYTEST_LOG = """+ git status
On branch main
+ : '>>>>> Start Test Output'
+ pytest -rA tests/test_calc.py
============================= test session starts ==============================
collected 2 items

tests/test_calc.py .F                                                    [100%]
=========================== short test summary info ============================
PASSED tests/test_calc.py::test_zero
FAILED tests/test_calc.py::test_add - assert -1 == 5
========================= 1 failed, 1 passed in 0.02s =========================
+ SWEBENCH_TEST_EXIT_CODE=1
+ : '>>>>> End Test Output'
+ echo '>>>>> Test Exit Code: 1'
>>>>> Test Exit Code: 1
"""


def _record(c: dict[str, str], **over: Any) -> dict[str, Any]:
    script = swebench_eval.eval_script(
        workdir="/testbed",
        base_ref=c["base"],
        test_patch=c["test_patch"],
        test_command="pytest -rA tests/test_calc.py",
        activate=["source /opt/testbed/bin/activate"],
    )
    row: dict[str, Any] = {
        **_instance(c),
        "image": IMAGE,
        "eval_script": script,
        "log_parser": "parse_log_pytest",
        "eval_type": "pass_and_fail",
    }
    row.update(over)
    return row


def _spec(c: dict[str, str], **over: Any) -> Any:
    from swebench.harness.utils import make_test_spec

    return make_test_spec(_record(c, **over))


def test_prebuilt_import_needs_no_clone_and_keeps_the_record(
    clone: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    _, c = clone
    record = _record(c)
    report = import_instances(
        [record, _instance(c, instance_id="acme__calc-2")], None, tmp_path, environment="prebuilt"
    )
    assert [p.name for p in report.imported] == ["acme__calc-1"]
    assert "names no image" in dict(report.skipped)["acme__calc-2"]
    task = load_task(report.imported[0])
    env, v = task.config.environment, task.config.verifier
    assert (env.docker_image, env.workdir, env.layer) == (IMAGE, None, None)  # the image's WORKDIR
    assert (v.eval_script, v.eval_type, v.log_parser, v.command) == (
        EVAL_SCRIPT,
        "pass_and_fail",
        "parse_log_pytest",
        None,
    )
    assert v.timeout_sec == 1800  # run_evaluation's default --timeout
    assert not task.environment_dir.exists() and not task.tests_dir.exists()
    assert (task.path / EVAL_SCRIPT).read_text() == record["eval_script"]
    assert task.config.metadata.model_dump()["swebench_environment"] == "prebuilt"

    # The export hands the record back as it was, with no image to build or pull.
    out = instance_of(task)
    for key in ("image", "eval_script", "log_parser", "eval_type", "test_patch", "patch", "base_commit", "repo"):
        assert out[key] == record[key], key
    assert json.loads(out["FAIL_TO_PASS"]) == json.loads(record["FAIL_TO_PASS"])


def test_auto_ships_the_offline_build_beside_the_image(
    clone: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    repos, c = clone
    (path,) = import_instances([_record(c)], repos, tmp_path).imported
    task = load_task(path)
    env, v = task.config.environment, task.config.verifier
    assert env.docker_image == IMAGE and env.layer is not None and env.workdir is None
    # The build keeps the repository where the image has it, and grades with its own command.
    assert "WORKDIR /testbed" in (task.environment_dir / "Dockerfile").read_text()
    assert v.tests_dir == "/testbed" and v.command is not None and v.eval_script == EVAL_SCRIPT
    assert (task.tests_dir / "tests" / "test_calc.py").is_file()
    assert task.config.metadata.model_dump()["swebench_environment"] == "prebuilt+build"

    # A repository whose tests no offline build can grade keeps its image only, with a note.
    django = _record(c, instance_id="acme__calc-9", log_parser="parse_log_django")
    report = import_instances([django], repos, tmp_path / "other")
    ((iid, note),) = report.notes
    assert iid == "acme__calc-9" and "prebuilt image only" in note and "parse_log_django" in note
    assert not (report.imported[0] / "environment").exists()

    # --environment build keeps today's offline task; the image stays metadata.
    (built,) = import_instances([_record(c)], repos, tmp_path / "built", environment="build").imported
    config = load_task(built).config
    assert config.environment.docker_image is None and config.verifier.eval_script is None
    assert config.metadata.model_dump()["swebench_image"] == IMAGE
    with pytest.raises(TaskError, match="--environment build needs --repos"):
        import_instances([_record(c)], None, tmp_path / "x", environment="build")
    with pytest.raises(TaskError, match="--environment nope"):
        import_instances([_record(c)], repos, tmp_path / "x", environment="nope")


def test_a_record_without_eval_script_gets_swebenchs_layout(
    clone: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    _, c = clone
    no_script = {k: v for k, v in _record(c).items() if k != "eval_script"}
    report = import_instances([no_script], None, tmp_path, environment="prebuilt")
    assert "no test_cmd is known" in dict(report.skipped)["acme__calc-1"]
    (path,) = import_instances(
        [{**no_script, "test_cmd": "pytest -rA"}], None, tmp_path, environment="prebuilt"
    ).imported
    lines = (path / EVAL_SCRIPT).read_text().splitlines()
    # make_eval_script_list_py: activate the conda env, state, reset, test patch, markers, reset.
    assert lines[:5] == [
        "#!/bin/bash",
        "set -uxo pipefail",
        "source /opt/miniconda3/bin/activate",
        "conda activate testbed",
        "cd /testbed",
    ]
    reset = f"git checkout {c['base']} tests/test_calc.py"
    start = lines.index(": '>>>>> Start Test Output'")
    assert lines[start + 1] == "pytest -rA tests/test_calc.py" and lines[start + 2] == ": '>>>>> End Test Output'"
    assert lines[-1] == reset and reset in lines[:start]
    assert lines[lines.index(reset) + 1] == "git apply -v - <<'EOF_114329324912'"
    assert (path / TEST_PATCH).read_text() == c["test_patch"]


def test_test_directives_and_reset_follow_swebench() -> None:
    patch = (
        "diff --git a/tests/forms/test_a.py b/tests/forms/test_a.py\n--- a/tests/forms/test_a.py\n"
        "+++ b/tests/forms/test_a.py\n@@ -1 +1 @@\n-x\n+y\n"
        "diff --git a/tests/forms/data.json b/tests/forms/data.json\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/tests/forms/data.json\n@@ -0,0 +1 @@\n+{}\n"
    )
    assert swebench_eval.test_directives("django/django", patch) == ["forms.test_a"]
    assert swebench_eval.test_directives("acme/calc", patch) == ["tests/forms/test_a.py"]
    assert swebench_eval.modified_and_new(patch) == (["tests/forms/test_a.py"], ["tests/forms/data.json"])
    script = swebench_eval.eval_script(workdir="/testbed", base_ref="abc", test_patch=patch, test_command="t")
    assert "git checkout abc tests/forms/test_a.py\nrm -f tests/forms/data.json\ngit apply" in script
    assert swebench_eval.record_eval_type({"repo": "eslint/eslint"}) == "fail_only"
    assert swebench_eval.default_parser("django/django") == "parse_log_django"


def test_eval_script_needs_the_prebuilt_image() -> None:
    with pytest.raises(ValueError, match="eval_script: it runs on the task's prebuilt image"):
        TaskConfig.model_validate(
            {"verifier": {"grader": "swebench", "fail_to_pass": ["t"], "eval_script": "swebench/eval.sh"}}
        )


def test_the_script_run_is_swebenchs_with_the_guard_before_the_tests(
    clone: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    _, c = clone
    (path,) = import_instances([_record(c)], None, tmp_path, environment="prebuilt").imported
    task = load_task(path)
    pulled = TaskImage(IMAGE, "sha256:1", "/testbed", built=False, prebuilt=True)
    assert running.applies(task, pulled)
    assert not running.applies(task, TaskImage("hb-task/x:1", "sha256:2", "/testbed", built=True))
    spec = running.test_spec(task, pulled)
    text = running.script(spec, ["switch-the-guard-on"])
    lines = text.splitlines()
    start = lines.index(": '>>>>> Start Test Output'")
    assert lines[start - 1] == "switch-the-guard-on"
    # swebench 5's record_test_exit_code: the test command's $? is kept and printed after the end marker.
    assert lines[start + 2 : start + 5] == [
        "SWEBENCH_TEST_EXIT_CODE=$?",
        ": '>>>>> End Test Output'",
        'echo ">>>>> Test Exit Code: $SWEBENCH_TEST_EXIT_CODE"',
    ]
    assert lines[:2] == ["#!/bin/bash", "set -uxo pipefail"]


def _swebench_reads(spec: Any, log_text: str, tmp_path: Path) -> tuple[dict[str, str], bool]:
    from swebench.harness.grading import get_logs_eval

    f = tmp_path / "test_output.txt"
    f.write_text(log_text)
    return get_logs_eval(spec, str(f))


def test_the_log_is_read_as_swebench_reads_it(
    clone: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    from horizonbench.grading.parsers import parse_log

    _, c = clone
    spec = _spec(c)
    out = running.read_log(PYTEST_LOG, spec)
    assert not out.problem and out.exit_code == 1
    assert "+ git status" not in out.text and "PASSED tests/test_calc.py::test_zero" in out.text
    status, found = _swebench_reads(spec, PYTEST_LOG, tmp_path)
    assert found and parse_log(out.text, spec.log_parser)[0] == status

    # Results printed outside the markers: the whole log is read, as swebench does.
    outside = PYTEST_LOG.replace("+ : '>>>>> Start Test Output'\n", "").replace(
        "+ SWEBENCH_TEST_EXIT_CODE=1\n", "+ : '>>>>> Start Test Output'\n"
    )
    assert running.read_log(outside, spec).text == outside and _swebench_reads(spec, outside, tmp_path)[1]

    # Where swebench takes no result, the verdict is a failure with the reason.
    all_pass = PYTEST_LOG.replace(
        "FAILED tests/test_calc.py::test_add - assert -1 == 5", "PASSED tests/test_calc.py::test_add"
    )
    assert "exited 1 but the log shows no failed test" in running.read_log(all_pass, spec).problem
    assert _swebench_reads(spec, all_pass, tmp_path) == ({}, False)
    unfinished = PYTEST_LOG.split("+ SWEBENCH_TEST_EXIT_CODE")[0]
    assert "did not reach '>>>>> End Test Output'" in running.read_log(unfinished, spec).problem

    # Where no test ran at all, it is the eval script's failing (an error), not the change's.
    with pytest.raises(EvalScriptError, match="ended before '>>>>> Start Test Output'"):
        running.read_log("+ source /opt/testbed/bin/activate\nNo such file or directory\n", spec)
    nothing = "+ : '>>>>> Start Test Output'\nbash: pytest: command not found\n+ : '>>>>> End Test Output'\n"
    with pytest.raises(EvalScriptError, match="found no test result"):
        running.read_log(nothing, spec)
    assert _swebench_reads(spec, nothing, tmp_path) == ({}, False)


def test_fail_only_grading_is_swebenchs() -> None:
    from horizonbench.grading.parsers import swebench_report

    status = {"a": "FAILED"}
    assert swebench_report(status, ["a", "b"], [], "fail_only")[0] == "RESOLVED_PARTIAL"
    assert swebench_report(status, ["b"], [], "fail_only")[0] == "RESOLVED_FULL"  # absent is not failed
    assert swebench_report(status, ["b"], [], "pass_and_fail")[0] == "RESOLVED_NO"


def test_a_silenced_log_on_a_sound_task_is_the_change_s_failure(
    clone: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No test result where the gold patch gave results on this very task: the change
    silenced the tests (a failure); with no such record, an error (the harness cannot tell)."""
    from horizonbench.grading.grade import eval_output
    from horizonbench.models.soundness import Soundness
    from horizonbench.tasks import soundness
    from horizonbench.tasks.loader import load_task

    monkeypatch.setenv("HORIZONBENCH_CACHE", str(tmp_path / "cache"))
    _, c = clone
    spec = _spec(c)
    task = load_task(REPO / "tasks" / "smoke" / "word-report")
    silenced = "+ : '>>>>> Start Test Output'\n+ : '>>>>> End Test Output'\n"
    with pytest.raises(EvalScriptError, match="found no test result"):
        eval_output(task, silenced, spec)
    record = Soundness(task=task.name, content_hash=task.content_hash(), gold="passed", noop="failed")
    soundness.store(record)
    out = eval_output(task, silenced, spec)
    assert "found no test result" in out.problem and "the gold patch gave test results on this task" in out.problem
    soundness.store(record.model_copy(update={"gold": "failed"}))  # unsound: still the environment's
    with pytest.raises(EvalScriptError, match="found no test result"):
        eval_output(task, silenced, spec)
