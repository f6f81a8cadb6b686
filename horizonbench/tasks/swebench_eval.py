"""SWE-bench eval scripts as swebench's harness lays them out, and the grading fields of a
record (``log_parser``, ``eval_type``) with swebench's defaults.

swebench 5 records carry their ``eval_script``; 4.x wrote it from its spec table
(``swebench/harness/test_spec/python.py``, ``make_eval_script_list_py``): activate the
environment, ``cd /testbed``, print the state (``git status``, ``git show``, ``git diff``),
re-run the install, reset the files the test patch touches, ``git apply`` the test patch,
run the test command between ``: '>>>>> Start Test Output'`` and ``: '>>>>> End Test
Output'``, reset the test files again. :func:`eval_script` writes that layout: for a record
that names an image but carries no script, and for the export of a task.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Any

from horizonbench.tasks.swebench_env import Unsupported

# swebench's constants (``swebench.image_builder.constants``): its images keep the
# repository at /testbed and the environment in the conda env ``testbed``.
TESTBED = "/testbed"
CONDA_ACTIVATE = ("source /opt/miniconda3/bin/activate", "conda activate testbed")
HEREDOC = "EOF_114329324912"
EVAL_TYPES = ("pass_and_fail", "fail_only")
# The test runners of repositories whose tests SWE-bench runs under the repository's own
# runner, not pytest: a change to one could make it report what it likes. No gold patch of
# SWE-bench Lite or Verified touches them.
RUNNER_FILES = {
    "django/django": ("tests/runtests.py", "django/test/runner.py"),
    "sympy/sympy": ("bin/test", "sympy/utilities/runtests.py", "sympy/testing/runtests.py"),
}


def _markers() -> tuple[str, str]:
    from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT  # heavy: imported when needed

    return START_TEST_OUTPUT, END_TEST_OUTPUT


def modified_and_new(test_patch: str) -> tuple[list[str], list[str]]:
    """(files the patch changes that exist before it, files it creates), as swebench's
    ``get_modified_files`` / ``get_new_files`` split them (``--- /dev/null`` is new)."""
    modified, new = [], []
    for block in re.split(r"^(?=diff --git )", test_patch, flags=re.M):
        head = re.match(r'diff --git "?a/(.+?)"? "?b/(.+?)"?$', block.split("\n", 1)[0])
        if not head:
            continue
        if re.search(r"^--- /dev/null$", block, re.M) or re.search(r"^new file mode", block, re.M):
            new.append(head.group(2))
        else:
            modified.append(head.group(1))
    return modified, new


def test_directives(repo: str, test_patch: str) -> list[str]:
    """The test files of a test patch as swebench 4.x passes them to the test command
    (``get_test_directives``): non-test extensions dropped, Django's as module paths."""
    from swebench.harness.constants import NON_TEST_EXTS

    found = re.findall(r"diff --git a/.* b/(.*)", test_patch)
    directives = [d for d in found if not any(d.endswith(ext) for ext in NON_TEST_EXTS)]
    if repo == "django/django":
        out = []
        for d in directives:
            d = d[: -len(".py")] if d.endswith(".py") else d
            d = d[len("tests/") :] if d.startswith("tests/") else d
            out.append(d.replace("/", "."))
        directives = out
    return directives


def runner_files(repo: str, patch: str) -> list[str]:
    """The test runner files of ``repo`` that fresh grading restores from the base state:
    :data:`RUNNER_FILES`, but for a file the gold ``patch`` itself changes."""
    modified, new = modified_and_new(patch)
    changed = {*modified, *new}
    return [f for f in RUNNER_FILES.get(repo, ()) if f not in changed]


def eval_script(
    *,
    workdir: str,
    base_ref: str,
    test_patch: str,
    test_command: str,
    activate: Sequence[str] = (),
    eval_commands: Sequence[str] = (),
    install: str = "",
) -> str:
    """An eval.sh in swebench's layout (``make_eval_script_list_py``); ``base_ref`` is what the
    test files are reset to (the record's ``base_commit``, or ``HEAD`` in an image whose
    repository is a fresh one)."""
    start, end = _markers()
    modified, new = modified_and_new(test_patch)
    reset = []
    if modified:
        reset.append(f"git checkout {base_ref} {' '.join(map(shlex.quote, modified))}")
    if new:
        reset.append(f"rm -f {' '.join(map(shlex.quote, new))}")
    cd = f"cd {shlex.quote(workdir)}"
    lines = [
        *activate,
        cd,
        *eval_commands,
        f"git config --global --add safe.directory {shlex.quote(workdir)}",
        cd,
        "git status",
        "git show",
        f"git -c core.fileMode=false diff {base_ref}",
        *activate,
        *([install] if install else []),
        *reset,
        f"git apply -v - <<'{HEREDOC}'\n{test_patch.rstrip(chr(10))}\n{HEREDOC}",
        f": '{start}'",
        test_command,
        f": '{end}'",
        *reset,
    ]
    return "\n".join(["#!/bin/bash", "set -uxo pipefail", *lines]) + "\n"


def record_eval_script(inst: dict[str, Any], merged_spec: dict[str, Any]) -> str:
    """The record's ``eval_script``, or one written as swebench 4.x writes it for its images
    (conda env ``testbed``, repository at /testbed) from the spec's ``test_cmd``.

    Raises:
        Unsupported: the record has no eval_script and no test command is known for it.
    """
    given = inst.get("eval_script")
    if isinstance(given, str) and given.strip():
        return given if given.endswith("\n") else given + "\n"
    test_cmd = merged_spec.get("test_cmd") or ""
    if isinstance(test_cmd, list):
        test_cmd = " ".join(str(c) for c in test_cmd)
    if not test_cmd:
        raise Unsupported(
            f"the record names an image but carries no eval_script, and no test_cmd is known for "
            f"{inst.get('repo')} {inst.get('version')} to write one"
        )
    repo, test_patch = str(inst["repo"]), str(inst["test_patch"])
    return eval_script(
        workdir=TESTBED,
        base_ref=str(inst["base_commit"]),
        test_patch=test_patch,
        test_command=" ".join([str(test_cmd), *test_directives(repo, test_patch)]),
        activate=CONDA_ACTIVATE,
        eval_commands=[str(c) for c in merged_spec.get("eval_commands") or []],
        install=str(merged_spec.get("install") or ""),
    )


def default_parser(repo: str) -> str:
    """swebench's log parser for a repository (any language's table), else ``parse_log_pytest``."""
    from swebench.harness.log_parsers import c, go, java, javascript, php, python, ruby, rust

    tables = (
        python.MAP_REPO_TO_PARSER_PY,
        javascript.MAP_REPO_TO_PARSER_JS,
        c.MAP_REPO_TO_PARSER_C,
        go.MAP_REPO_TO_PARSER_GO,
        java.MAP_REPO_TO_PARSER_JAVA,
        php.MAP_REPO_TO_PARSER_PHP,
        ruby.MAP_REPO_TO_PARSER_RUBY,
        rust.MAP_REPO_TO_PARSER_RUST,
    )
    for table in tables:
        fn = table.get(repo)
        if fn is not None:
            return str(getattr(fn, "__name__", "parse_log_pytest"))
    return "parse_log_pytest"


def record_parser(inst: dict[str, Any]) -> str:
    """The record's ``log_parser``, else the repository's default.

    Raises:
        Unsupported: swebench has no parser of that name.
    """
    from swebench.harness.log_parsers import PARSER_REGISTRY

    name = str(inst.get("log_parser") or "").strip() or default_parser(str(inst.get("repo") or ""))
    if name not in PARSER_REGISTRY:
        raise Unsupported(f"log_parser {name!r} is not one of swebench's parsers")
    return name


def record_eval_type(inst: dict[str, Any]) -> str:
    """The record's ``eval_type``, else swebench's default (``fail_only`` for the repositories
    of ``FAIL_ONLY_REPOS``, ``pass_and_fail`` otherwise).

    Raises:
        Unsupported: not one of swebench's ``EvalType`` values.
    """
    from swebench.harness.constants import FAIL_ONLY_REPOS

    given = str(inst.get("eval_type") or "").strip()
    value = given or ("fail_only" if inst.get("repo") in FAIL_ONLY_REPOS else "pass_and_fail")
    if value not in EVAL_TYPES:
        raise Unsupported(f"eval_type {value!r} is not one of {', '.join(EVAL_TYPES)}")
    return value
