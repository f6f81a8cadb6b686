"""Suites out as SWE-bench instances that swebench 5.x's harness reads.

Each swebench-graded task becomes a record with the fields of
``swebench.types.SWEbenchInstance`` and those 5.x builds its test spec from (``image``,
``eval_script``, ``log_parser``, ``eval_type``, ``version``). An imported task gives back
what it was imported from: the upstream ``base_commit`` and ``environment_setup_commit``,
the record's ``image``, the problem statement unchanged. A native task gives the commit
inside its image. ``test_patch`` is the hidden tests as a diff against the image's tree
(which is the tree at ``base_commit``), and ``eval_script`` applies it, runs the task's
test command between swebench's output markers and puts the test files back, in the layout
of SWE-bench's own eval scripts (:func:`horizonbench.tasks.swebench_eval.eval_script`).
A task imported with its record's evaluation image (``[verifier] eval_script``) gives back
the record's ``image``, ``eval_script`` and ``test_patch`` as they were, with no image to
build or pull.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from horizonbench.errors import TaskError
from horizonbench.tasks.loader import Task, load_tasks
from horizonbench.tasks.swebench_eval import eval_script as layout
from horizonbench.tasks.swebench_io import TEST_PATCH, WORKDIR

# The sentence imports before this version appended to the problem statement.
_OLD_SUFFIX = f"\n\nThe repository is in `{WORKDIR}`.\n"


def export_suite(paths: Sequence[Path], out: Path) -> list[dict[str, Any]]:
    """Write the swebench-graded tasks of ``paths`` as SWE-bench instances (JSON lines).

    Builds each task's image if needed: the base commit and the test patch are read
    from it.

    Raises:
        TaskError: no task in ``paths`` uses the swebench grader.
    """
    tasks, _ = load_tasks(paths)
    chosen = [t for t in tasks if t.config.verifier.grader == "swebench"]
    if not chosen:
        raise TaskError(f'{", ".join(map(str, paths))}: no task with [verifier] grader = "swebench" to export')
    rows = [instance_of(t) for t in chosen]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def problem_statement(task: Task) -> str:
    """The instruction as SWE-bench's problem statement (without what older imports appended)."""
    text = (task.path / "instruction.md").read_text(encoding="utf-8")
    return text[: -len(_OLD_SUFFIX)] if text.endswith(_OLD_SUFFIX) else text


def eval_script(workdir: str, command: str, test_patch: str) -> str:
    """An eval.sh as SWE-bench ships them for a task's own image: its repository is a fresh
    one, so the test files are reset to ``HEAD`` (the tree at ``base_commit``)."""
    return layout(workdir=workdir, base_ref="HEAD", test_patch=test_patch, test_command=command)


def instance_of(task: Task) -> dict[str, Any]:
    """A task as a SWE-bench 5.x instance (``swebench.harness.utils.make_test_spec`` reads it).

    Raises:
        TaskError: the task has no gold patch (``solution/patch.diff``).
    """
    from swebench.harness.constants import FAIL_TO_PASS, PASS_TO_PASS

    from horizonbench.sandbox import images
    from horizonbench.sandbox.sandbox import Sandbox

    v = task.config.verifier
    meta = task.config.metadata.model_dump()
    patch_file = task.solution_dir / "patch.diff"
    if not patch_file.is_file():
        raise TaskError(f"{task.path}: solution/patch.diff is missing (SWE-bench instances need a gold patch)")
    if v.eval_script:
        return _record_of(task, meta, patch_file.read_text())
    image = images.ensure(task)
    with Sandbox.start(image.tag, workdir=image.workdir) as sb:
        head = sb.exec("git rev-parse HEAD", timeout=60).stdout.strip()
        if v.build_eval_script:  # graded by its own eval script, which holds the test patch
            test_patch = _kept_test_patch(task)
            script = (task.path / v.build_eval_script).read_text()
        else:
            if task.tests_dir.is_dir():
                sb.put_dir(task.tests_dir, v.tests_dir)
            test_patch = sb.exec("git add -A && git diff --cached --binary HEAD", timeout=120).stdout
            script = eval_script(image.workdir, v.command or f"bash {shlex.quote(v.tests_dir)}/test.sh", test_patch)
    base = str(meta.get("swebench_base_commit") or head)
    return {
        "repo": meta.get("swebench_repo") or f"horizonbench/{task.family}",
        "instance_id": meta.get("swebench_instance_id") or task.name,
        "base_commit": base,
        "patch": patch_file.read_text(),
        "test_patch": test_patch,
        "problem_statement": problem_statement(task),
        "hints_text": "",
        "created_at": str(meta.get("created") or ""),
        "version": str(meta.get("swebench_version") or meta.get("project_version") or ""),
        FAIL_TO_PASS: json.dumps(v.fail_to_pass),
        PASS_TO_PASS: json.dumps(v.pass_to_pass),
        "environment_setup_commit": str(meta.get("swebench_environment_setup_commit") or base),
        "image": str(meta.get("swebench_image") or image.tag),
        "eval_script": script,
        "log_parser": v.log_parser,
        "eval_type": v.eval_type,
    }


def _kept_test_patch(task: Task) -> str:
    """The record's test patch, kept at import for the eval script that applies it.

    Raises:
        TaskError: it is missing.
    """
    path = task.path / TEST_PATCH
    if not path.is_file():
        raise TaskError(f"{task.path}: {TEST_PATCH} is missing (the record's test_patch, kept at import)")
    return path.read_text()


def _record_of(task: Task, meta: dict[str, Any], patch: str) -> dict[str, Any]:
    """A task imported with its record's evaluation image, as that record was.

    Raises:
        TaskError: its test patch (``swebench/test_patch.diff``) is missing.
    """
    from swebench.harness.constants import FAIL_TO_PASS, PASS_TO_PASS

    v = task.config.verifier
    assert v.eval_script is not None
    base = str(meta.get("swebench_base_commit") or "")
    return {
        "repo": meta.get("swebench_repo") or f"horizonbench/{task.family}",
        "instance_id": meta.get("swebench_instance_id") or task.name,
        "base_commit": base,
        "patch": patch,
        "test_patch": _kept_test_patch(task),
        "problem_statement": problem_statement(task),
        "hints_text": "",
        "created_at": str(meta.get("created") or ""),
        "version": str(meta.get("swebench_version") or ""),
        FAIL_TO_PASS: json.dumps(v.fail_to_pass),
        PASS_TO_PASS: json.dumps(v.pass_to_pass),
        "environment_setup_commit": str(meta.get("swebench_environment_setup_commit") or base),
        "image": str(meta.get("swebench_image") or task.config.environment.docker_image),
        "eval_script": (task.path / v.eval_script).read_text(),
        "log_parser": v.log_parser,
        "eval_type": v.eval_type,
    }
