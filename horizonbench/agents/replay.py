"""``replay``: re-drives the tool calls of a recorded trajectory in a fresh sandbox, with
no model — re-scoring and harness regression checks without spending tokens.

The trajectory is a trajectory.jsonl as horizonbench records it, or an ATIF trajectory
(``horizonbench results export-atif``, or any tool that writes Harbor's format).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView
from horizonbench.agents.tools import ToolBox
from horizonbench.errors import ConfigError
from horizonbench.models.atif import agent_tool_calls, is_atif, read_atif
from horizonbench.models.trajectory import read_events


def load_tool_calls(path: Path) -> list[dict[str, Any]]:
    """The tool calls of a trajectory, in order, each with its ``name`` and ``arguments``:
    the ``tool_call`` events of a trajectory.jsonl, or the agent's calls of an ATIF file.

    Raises:
        ConfigError: the file is missing, or is neither a trajectory.jsonl nor ATIF.
    """
    if _looks_like_atif(path):
        return [{"name": name, "arguments": args} for name, args in agent_tool_calls(read_atif(path))]
    return [e.model_dump() for e in read_events(path) if e.kind == "tool_call"]


def _looks_like_atif(path: Path) -> bool:
    """One JSON object over the whole file whose schema_version is ATIF's (a trajectory.jsonl
    is one object a line, the first a header)."""
    try:
        text = path.read_text(encoding="utf-8")
        return is_atif(json.loads(text))
    except (OSError, ValueError):
        return False


class ReplayAgent:
    """Replays ``trajectory`` (a trajectory.jsonl, or a trial directory holding one).

    With ``trajectory_root`` (a run directory), each task replays the trajectory of the
    trial of the same task and attempt 0 found there.
    """

    name = "replay"
    version = "1"
    needs_solution: ClassVar[bool] = False

    def __init__(self, trajectory: str | None = None, trajectory_root: str | None = None) -> None:
        if not trajectory and not trajectory_root:
            raise ConfigError(
                "replay needs trajectory=PATH (a trajectory.jsonl or an ATIF .json) or trajectory_root=RUN_DIR"
            )
        self.trajectory = Path(trajectory) if trajectory else None
        self.trajectory_root = Path(trajectory_root) if trajectory_root else None

    def _source(self, task: str) -> Path:
        if self.trajectory is not None:
            return self.trajectory / "trajectory.jsonl" if self.trajectory.is_dir() else self.trajectory
        assert self.trajectory_root is not None
        matches = sorted((self.trajectory_root / "trials").glob(f"{task}__*/trajectory.jsonl"))
        if not matches:
            raise ConfigError(f"{self.trajectory_root}: no trajectory recorded for task {task}")
        return matches[0]

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        calls = load_tool_calls(self._source(task.name))
        box = ToolBox(sandbox, task.workdir, task.tools, budget.command_timeout_s)
        for step, event in enumerate(calls, 1):
            res = await box.call(event["name"], event.get("arguments"))
            recorder.record(
                "tool_call",
                step=step,
                name=event["name"],
                arguments=event.get("arguments"),
                output=res.output,
                is_error=res.is_error,
                replayed=True,
            )
            if res.submitted:
                return AgentOutcome(status="submitted", steps=step, message=res.output[:500])
        return AgentOutcome(status="finished", steps=len(calls), message="trajectory replayed to its end")
