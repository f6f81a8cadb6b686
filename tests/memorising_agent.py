"""A "memorising" agent: it knows the upstream fixes of the SWE suite by heart (their patches, at
their paths) and applies the one that fits the repository in front of it, reading nothing else.
On an original task it passes; on a variant (the same code under other names) nothing it knows
fits, and it fails."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import ClassVar

from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView

REPO = Path(__file__).resolve().parents[1]
KNOWN = sorted((REPO / "tasks" / "swe").glob("*/solution/patch.diff"))


class MemorisingAgent:
    name = "memorising"
    version = "1"
    needs_solution: ClassVar[bool] = False

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        for n, patch in enumerate(KNOWN, 1):
            sandbox.write_file("/tmp/remembered.diff", patch.read_text())
            res = await sandbox.aexec(f"git apply {shlex.quote('/tmp/remembered.diff')}", cwd=task.workdir)
            recorder.record("command", command=f"git apply <{patch.parent.parent.name}>", exit_code=res.exit_code)
            if res.exit_code == 0:
                return AgentOutcome(status="finished", steps=n, message=f"recalled {patch.parent.parent.name}")
        return AgentOutcome(status="finished", steps=len(KNOWN), message="nothing remembered fits")
