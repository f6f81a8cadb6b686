"""Agents used by the tests: slow ones, and ones that try to cheat the graders."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView
from horizonbench.agents.oracle import OracleAgent


class SlowOracle(OracleAgent):
    """The oracle, after a pause: gives a killed runner something to interrupt."""

    name = "slow-oracle"

    def __init__(self, delay: float = 2.0) -> None:
        self.delay = delay

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        await asyncio.sleep(self.delay)
        return await super().run(task, sandbox, budget, recorder)


class _Scripted:
    """Runs fixed shell commands in the agent's shell."""

    name = "scripted"
    needs_solution: ClassVar[bool] = False
    commands: ClassVar[list[str]] = []

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        for cmd in self.commands:
            res = await sandbox.ashell(cmd, timeout=60)
            recorder.record("command", command=cmd, exit_code=res.exit_code, output=res.output)
        return AgentOutcome(status="submitted", steps=len(self.commands))


# For tasks/smoke/fix-median: make the visible tests "pass" without fixing median.
class RewriteTestsAgent(_Scripted):
    name = "rewrite-tests"
    commands: ClassVar[list[str]] = [
        "cat > tests/test_stats.py <<'PY'\n"
        "def test_median_even_length():\n    assert True\n\n"
        "def test_median_unsorted_even():\n    assert True\n\n"
        "def test_median_odd_length():\n    assert True\n\n"
        "def test_mean():\n    assert True\n\n"
        "def test_median_empty_raises():\n    assert True\nPY",
    ]


class DeleteTestsAgent(_Scripted):
    name = "delete-tests"
    commands: ClassVar[list[str]] = ["git rm -q -r tests"]


class ConftestAgent(_Scripted):
    """Plants a conftest.py that turns every failure into a pass."""

    name = "conftest"
    commands: ClassVar[list[str]] = [
        "cat > conftest.py <<'PY'\n"
        "import pytest\n\n"
        "@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n"
        "    report = outcome.get_result()\n"
        "    report.outcome = 'passed'\n"
        "PY",
        "cp conftest.py statkit/conftest.py",
    ]


class FakePassedLinesAgent(_Scripted):
    """Makes the code under test print fake pytest summary lines."""

    name = "fake-passed"
    commands: ClassVar[list[str]] = [
        "cat >> statkit/__init__.py <<'PY'\n"
        "import atexit, os\n"
        "_FAKE = ('=== short test summary info ===\\n'\n"
        "         'PASSED tests/test_stats.py::test_median_even_length\\n'\n"
        "         'PASSED tests/test_stats.py::test_median_unsorted_even\\n')\n"
        "print(_FAKE)\n"
        "atexit.register(lambda: os.write(1, _FAKE.encode()))\n"
        "PY",
    ]


# For tasks/smoke/word-report (same mode): a reward file written by the agent.
class FakeRewardAgent(_Scripted):
    name = "fake-reward"
    commands: ClassVar[list[str]] = [
        "mkdir -p /logs/verifier && echo 1 > /logs/verifier/reward.txt && echo '{\"reward\": 1}' > "
        "/logs/verifier/reward.json",
        "echo '{}' > /app/report.json",
    ]


class LingeringWriterAgent(_Scripted):
    """Leaves a background process that keeps writing a fake reward during grading."""

    name = "lingering"
    commands: ClassVar[list[str]] = [
        "setsid bash -c 'while :; do mkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt; "
        "sleep 0.05; done' >/dev/null 2>&1 < /dev/null &",
    ]
