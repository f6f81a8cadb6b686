"""The Agent protocol and what flows through it.

An agent sees a :class:`TaskView` (never the hidden tests), works in an
:class:`AgentSandbox`, stays within a :class:`Budget`, records every step with a
:class:`Recorder`, and reports an :class:`AgentOutcome`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from horizonbench.errors import RunError
from horizonbench.sandbox.shell import ExecResult
from horizonbench.secrets import redact, secret_values
from horizonbench.tasks.models import ToolSpec


class TaskView(BaseModel):
    """What an agent may know of a task."""

    name: str = Field(description="Task name.")
    instruction: str = Field(description="What the agent is told.")
    workdir: str = Field(description="Working directory in the sandbox.")
    tools: list[ToolSpec] = Field(default_factory=list, description="Task-specific tools.")
    solution_dir: Path | None = Field(None, description="The oracle's solution; only for agents that need it.")


class Budget(BaseModel):
    """Limits of one attempt. ``None`` means unbounded."""

    max_steps: int | None = Field(None, ge=1, description="Most model turns (tool-call rounds).")
    max_tokens: int | None = Field(None, ge=1, description="Most input + output tokens in total.")
    max_cost_usd: float | None = Field(None, gt=0, description="Most dollars spent on the model.")
    timeout_s: float | None = Field(None, gt=0, description="Wall-clock limit of the agent phase.")
    command_timeout_s: float = Field(180.0, gt=0, description="Limit of one command the agent runs.")

    def exhausted(self, steps: int, tokens: int, cost_usd: float) -> str | None:
        """The limit that usage so far has reached (``steps``, ``tokens``, ``cost``), if any.
        The wall-clock limit is the harness's to enforce."""
        if self.max_steps is not None and steps >= self.max_steps:
            return "steps"
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return "tokens"
        if self.max_cost_usd is not None and cost_usd >= self.max_cost_usd:
            return "cost"
        return None


OutcomeStatus = Literal["submitted", "finished", "budget_exhausted", "timeout", "error"]


class AgentOutcome(BaseModel):
    """How an attempt ended, from the agent's side."""

    status: OutcomeStatus = Field(description="submitted | finished | budget_exhausted | timeout | error.")
    steps: int = Field(0, description="Model turns taken.")
    input_tokens: int = Field(0, description="Prompt tokens, cached ones included.")
    cached_input_tokens: int = Field(0, description="Prompt tokens served from the provider's cache.")
    output_tokens: int = Field(0, description="Completion tokens.")
    cost_usd: float = Field(0.0, description="Dollars, from the pricing table.")
    message: str = Field("", description="The agent's final message or the reason it stopped.")
    infra_error: bool = Field(False, description="The agent could not work for reasons outside it (endpoint down).")
    limit: str | None = Field(
        None, description="The budget limit that ended the attempt: steps | tokens | cost | time."
    )
    malformed_tool_calls: int = Field(0, description="Tool calls with unusable arguments (told back to the model).")
    retries: int = Field(0, description="Model calls retried after 429 / 5xx / timeouts / dropped connections.")


class AgentSandbox(Protocol):
    """The part of a sandbox an agent may use."""

    workdir: str

    def shell(self, command: str, *, timeout: float | None = None) -> ExecResult: ...

    def exec(
        self, command: str, *, cwd: str | None = None, env: dict[str, str] | None = None, timeout: float | None = None
    ) -> ExecResult: ...

    def read_file(self, path: str) -> bytes: ...

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None: ...

    def put_dir(self, local: Path | str, dest: str) -> None: ...

    async def ashell(self, command: str, **kwargs: Any) -> ExecResult: ...

    async def aexec(self, command: str, **kwargs: Any) -> ExecResult: ...


class Recorder:
    """Writes every step of an attempt to ``trajectory.jsonl`` and a readable ``agent.log``.

    Secret values (API keys, secret-named environment variables) are replaced by
    ``[REDACTED]`` in everything written, so they never reach a trajectory or a log.
    """

    def __init__(self, trial_dir: Path | None, secrets: list[str] | None = None) -> None:
        self.trial_dir = trial_dir
        self._secrets = secret_values(secrets)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self.steps = 0
        # Open for the whole attempt (closed by close()): every event is flushed as it happens.
        self._traj = open(trial_dir / "trajectory.jsonl", "a", encoding="utf-8") if trial_dir else None  # noqa: SIM115
        self._log = open(trial_dir / "agent.log", "a", encoding="utf-8") if trial_dir else None  # noqa: SIM115

    def add_secret(self, value: str) -> None:
        """Redact ``value`` too (an adapter's API key, known once the adapter starts)."""
        self._secrets = secret_values([*self._secrets, value])

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def record(self, kind: str, **data: Any) -> None:
        """Append one event (``kind``: model_call, tool_call, observation, command, note...)."""
        event = {"t": round(time.monotonic() - self._started, 3), "kind": kind, **data}
        line = self.redact(json.dumps(event, ensure_ascii=False, default=str))
        with self._lock, _writing(self._traj):
            if self._traj:
                self._traj.write(line + "\n")
                self._traj.flush()

    def log(self, text: str) -> None:
        """A line for agent.log (humans read it)."""
        with self._lock, _writing(self._log):
            if self._log:
                self._log.write(self.redact(text.rstrip("\n")) + "\n")
                self._log.flush()

    def close(self) -> None:
        for fh in (self._traj, self._log):
            if fh:
                try:
                    fh.close()
                except OSError:
                    pass  # a full or broken results disk was reported by the write that failed
        self._traj = self._log = None


@contextlib.contextmanager
def _writing(fh: IO[str] | None) -> Iterator[None]:
    """A full or read-only results directory is the user's to fix (RunError), not an agent's bug."""
    try:
        yield
    except OSError as exc:
        raise RunError(f"cannot write {getattr(fh, 'name', 'the trajectory')}: {exc.strerror or exc}") from None


@runtime_checkable
class Agent(Protocol):
    """An agent adapter. Built-ins live in :mod:`horizonbench.agents`; others register
    under the entry-point group ``horizonbench.agents``."""

    name: str
    needs_solution: ClassVar[bool]

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        """Work on the task until done, out of budget, or failed; never raise for the
        agent's own mistakes (report them in the outcome)."""
        ...
