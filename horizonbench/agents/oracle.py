"""The oracle (applies the task's reference solution) and nop (does nothing) agents:
together they prove a task is sound — the oracle must pass, nop must fail."""

from __future__ import annotations

import asyncio
import shlex
import time
from typing import ClassVar

from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView
from horizonbench.sandbox.patch_chain import chain_script

SOLUTION_DEST = "/solution"


class OracleAgent:
    """Runs ``solution/solve.sh``, or applies ``solution/patch.diff`` in the workdir."""

    name = "oracle"
    version = "1"
    needs_solution: ClassVar[bool] = True

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        started = time.monotonic()
        sol = task.solution_dir
        if sol is None or not sol.is_dir():
            return AgentOutcome(status="error", message=f"task {task.name} has no solution/ directory")
        await asyncio.to_thread(sandbox.put_dir, sol, SOLUTION_DEST)
        if (sol / "solve.sh").is_file():
            command = f"bash {SOLUTION_DEST}/solve.sh"
        elif (sol / "patch.diff").is_file():
            # The gold patch goes in as swebench applies patches (git apply, then --3way,
            # --reject, patch --fuzz=5), so a task sound on SWE-bench is sound here.
            script = chain_script(SOLUTION_DEST + "/patch.diff")
            command = f"bash -c {shlex.quote(script)}"
        else:
            return AgentOutcome(
                status="error", message=f"task {task.name}: solution/ has neither solve.sh nor patch.diff"
            )
        recorder.record("command", command=command)
        # The solution gets the whole agent phase (Terminal-Bench solutions build for many
        # minutes), not one command's limit, and is killed (its process group) just before
        # the phase ends: the harness's cut-off of the phase would not reach a command
        # already running in the container, nor leave time to take the solution away.
        limit = task.timeout_s or budget.timeout_s
        if limit:
            timeout = max(1.0, limit - (time.monotonic() - started) - min(2.0, limit / 10))
        else:
            timeout = budget.command_timeout_s
        try:
            res = await sandbox.aexec(command, cwd=task.workdir, env=task.solution_env or None, timeout=timeout)
        finally:
            # The solution must not linger where the verifier runs in the same container.
            await sandbox.aexec(f"rm -rf {SOLUTION_DEST}", timeout=60)
        recorder.record("observation", exit_code=res.exit_code, output=res.output[-4000:])
        recorder.log(f"$ {command}\n{res.output}\n[exit {res.exit_code}{', timed out' if res.timed_out else ''}]")
        if res.timed_out:
            return AgentOutcome(
                status="timeout", steps=1, limit="time", message=f"solution cut at the agent's {limit or timeout:g} s"
            )
        if res.exit_code != 0:
            return AgentOutcome(status="finished", steps=1, message=f"solution exited {res.exit_code}")
        return AgentOutcome(status="submitted", steps=1, message="solution applied")


class NopAgent:
    """Does nothing: a task that passes with it is broken."""

    name = "nop"
    version = "1"
    needs_solution: ClassVar[bool] = False

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        recorder.record("note", text="nop agent: no action")
        return AgentOutcome(status="finished", message="did nothing")
