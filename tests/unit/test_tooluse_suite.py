"""The tooluse suite's structure, without Docker: every task declares tools that its
service implements, ships the shared service kit unchanged, and grades with milestones
whose last one holds the final-state, policy and integrity tests."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

from horizonbench.tasks.loader import Task, load_suite
from tests.helpers import REPO

TOOLUSE = REPO / "tasks" / "tooluse"
SHARED = TOOLUSE / "_shared"
TASKS = load_suite(TOOLUSE).tasks


def test_suite_has_at_least_eight_tasks() -> None:
    assert len(TASKS) >= 8


def _service_source(task: Task, command: str) -> tuple[Path, str]:
    argv = shlex.split(command)
    assert argv[0] == "python3" and argv[1].startswith("/opt/"), command
    local = task.environment_dir / Path(argv[1]).relative_to("/opt")
    return local, argv[2]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_tools_are_implemented_and_kit_is_included_from_shared(task: Task) -> None:
    assert len(task.tools) >= 4
    for tool in task.tools:
        script, tool_name = _service_source(task, tool.command)
        assert tool_name == tool.name
        tree = ast.parse(script.read_text())
        defined = {f.name for f in tree.body if isinstance(f, ast.FunctionDef)}
        assert tool.name in defined, f"{script} has no tool {tool.name}"
        assert tool.parameters["type"] == "object"
        assert set(tool.parameters.get("required", [])) <= set(tool.parameters["properties"])
        kit = str((script.parent / "svckit.py").relative_to(task.environment_dir))
        assert task.environment_includes() == {kit: (SHARED / "svckit.py").resolve()}, "the kit comes from _shared"
        assert (script.parent / "POLICY.md").is_file() and (script.parent / "seed.sql").is_file()
    assert task.test_includes() == {"svcgrade.py": (SHARED / "svcgrade.py").resolve()}
    copies = [p for p in task.path.rglob("*.py") if p.name in ("svckit.py", "svcgrade.py")]
    assert not copies, f"copies of shared code in the task: {copies}"


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_grading_scheme(task: Task) -> None:
    v = task.config.verifier
    assert v.grader == "milestones" and task.grading_mode == "same"
    last = task.config.milestones[-1].tests
    assert {t.split("::")[1] for t in last} >= {"test_final_state", "test_policy", "test_untampered"}
    assert 5 <= (task.steps or 0) <= 30


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_oracle_calls_the_declared_tools(task: Task) -> None:
    """solve.sh runs the same commands an LLM adapter runs, with JSON on stdin."""
    solve = (task.solution_dir / "solve.sh").read_text()
    commands = {t.command.rsplit(" ", 1)[0] for t in task.tools}
    assert len(commands) == 1
    assert f'| {commands.pop()} "$1"' in solve
    called = set(re.findall(r"^\w+ (\w+) '", solve, re.M))
    assert called <= {t.name for t in task.tools}
    assert len(called) >= 3
