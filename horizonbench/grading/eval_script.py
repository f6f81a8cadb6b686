"""Grading with a SWE-bench record's own eval script, on its prebuilt evaluation image, as
swebench's harness does it.

- On a build of the task's ``environment/`` (no image to pull), ``build_eval_script`` is run
  the same way: the offline environment of a repository whose tests run under its own runner.
- The script is read as ``swebench.harness.utils.make_test_spec`` reads a record
  (``parse_eval_script``, then ``record_test_exit_code``, which stashes the test command's
  ``$?`` and prints it after the end marker), and run as ``run_instance`` runs it: copied to
  ``/eval.sh`` and run with ``/bin/bash`` after the patch chain applied the change.
- The pytest guard is switched on by a line put just before the start marker, where
  ``run_instance`` puts its own additions (``_inject_asset_restore``): the environment the
  script activates (a conda env, a venv) is active there, so the guard lands in the
  interpreter that runs the tests.
- The log is read as ``swebench.harness.grading.get_logs_eval`` reads it: the text between
  ``>>>>> Start Test Output`` and ``>>>>> End Test Output`` goes through the parser (the
  whole log where that finds nothing); a test command that exited non-zero while the log
  shows no failure gives no result. Then the verdict is decided by the code that decides
  every swebench-graded verdict (:func:`horizonbench.grading.grade._decide`).

What swebench reports as "not resolved" for want of a log is told apart here: a script that
ended before the start marker, or a log in which the parser finds no test at all (and
nothing shows that a suite ran), did not test the change. That is an
:class:`~horizonbench.errors.EvalScriptError`, an ``error`` of the verifier, never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from horizonbench.errors import EvalScriptError
from horizonbench.grading import parsers as graders
from horizonbench.sandbox.images import TaskImage
from horizonbench.tasks.loader import Task

if TYPE_CHECKING:
    from swebench.types import TestSpec

EVAL_PATH = "/eval.sh"  # where swebench's run_instance copies it


def script_for(task: Task, image: TaskImage) -> str | None:
    """The eval script ``task`` grades with on ``image`` (a file of the task directory), or
    None for the test command: the record's ``eval_script`` on the prebuilt image it names (or
    its stand-in), ``build_eval_script`` on a build of ``environment/``."""
    v = task.config.verifier
    return v.eval_script if image.prebuilt else v.build_eval_script


def applies(task: Task, image: TaskImage) -> bool:
    """Whether ``task`` grades with an eval script on ``image``."""
    return bool(script_for(task, image))


def test_spec(task: Task, image: TaskImage) -> TestSpec:
    """The task as swebench's ``make_test_spec`` reads a SWE-bench 5 record."""
    from swebench.harness.utils import make_test_spec  # heavy: imported when grading

    v = task.config.verifier
    meta: dict[str, Any] = task.config.metadata.model_dump()
    path = script_for(task, image)
    assert path is not None
    return make_test_spec(
        {
            "instance_id": str(meta.get("swebench_instance_id") or task.name),
            "image": image.tag,
            "repo": str(meta.get("swebench_repo") or ""),
            "version": str(meta.get("swebench_version") or ""),
            "FAIL_TO_PASS": v.fail_to_pass,
            "PASS_TO_PASS": v.pass_to_pass,
            "log_parser": v.log_parser,
            "eval_type": v.eval_type,
            "eval_script": (task.path / path).read_text(encoding="utf-8"),
        }
    )


def script(spec: TestSpec, before_tests: list[str]) -> str:
    """The eval script to run: ``spec``'s, with ``before_tests`` just before the start marker.

    Raises:
        EvalScriptError: the script has no start marker (swebench could not read its log either).
    """
    from swebench.harness.constants import START_TEST_OUTPUT

    lines = list(spec.eval_script_list)
    at = next((i for i, line in enumerate(lines) if START_TEST_OUTPUT in line), None)
    if at is None:
        raise EvalScriptError(f"{spec.instance_id}: the eval script has no {START_TEST_OUTPUT!r} line")
    spec.eval_script_list = [*lines[:at], *before_tests, *lines[at:]]
    return spec.eval_script


@dataclass
class TestsOutput:
    """What the log of an eval script gives the verdict."""

    text: str
    """The text the parser reads: between the markers (the whole log where that has no result)."""
    exit_code: int | None
    """The test command's own exit status, as the script recorded it."""
    problem: str = ""
    """Why swebench would take no result from this log (the verdict is then a failure)."""


class NoTestResult(EvalScriptError):
    """The tests started and their log shows none: the environment's fault or the change's.

    Where the gold patch gave results in this very environment (the task's soundness
    record), it is the change's: the verdict is a failure (``no_test_result``). Otherwise the
    harness cannot tell, and the trial is an error."""


def read_log(content: str, spec: TestSpec) -> TestsOutput:
    """The test output of an eval script's log, read as ``get_logs_eval`` reads it.

    Raises:
        EvalScriptError: the script ended before the start marker, or the parser finds no
            test in the log and nothing in it shows that a suite ran.
    """
    from swebench.harness.constants import (
        APPLY_PATCH_FAIL,
        END_TEST_OUTPUT,
        RESET_FAILED,
        START_TEST_OUTPUT,
        TESTS_ERROR,
        TESTS_TIMEOUT,
    )
    from swebench.harness.grading import SUITE_RAN, parse_test_exit_code

    if START_TEST_OUTPUT not in content:
        raise EvalScriptError(
            f"{spec.instance_id}: the eval script ended before {START_TEST_OUTPUT!r}: its setup failed, so no "
            "test ran (see verifier.log in the trial's directory)"
        )
    exit_code = parse_test_exit_code(content)
    bad = [code for code in (APPLY_PATCH_FAIL, RESET_FAILED, TESTS_ERROR, TESTS_TIMEOUT) if code in content]
    if bad:
        return TestsOutput("", exit_code, f"the log carries swebench's {bad[0]!r}")
    if END_TEST_OUTPUT not in content:
        return TestsOutput("", exit_code, f"the tests did not reach {END_TEST_OUTPUT!r}")
    text = content.split(START_TEST_OUTPUT, 1)[1].split(END_TEST_OUTPUT, 1)[0]
    status, _ = graders.parse_log(text, spec.log_parser, spec)
    if not status:
        # swebench: some runners print their results outside the markers.
        text = content
        status, _ = graders.parse_log(text, spec.log_parser, spec)
    if not status and not SUITE_RAN.search(content):
        raise NoTestResult(
            f"{spec.instance_id}: the log parser {spec.log_parser} found no test result in the eval script's log "
            "and nothing shows that a test suite ran (see verifier.log in the trial's directory)"
        )
    if exit_code not in (None, 0) and status and not any(s in ("FAILED", "ERROR") for s in status.values()):
        # swebench's own check: a failing exit with no failed test is not the run that happened.
        return TestsOutput(text, exit_code, f"the tests exited {exit_code} but the log shows no failed test")
    return TestsOutput(text, exit_code)
