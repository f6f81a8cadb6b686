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
from typing import IO, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from horizonbench.agents.prompts import Prompts
from horizonbench.errors import ConfigError, RunError
from horizonbench.models.agent import AgentOutcome, Budget
from horizonbench.models.task import ToolSpec
from horizonbench.models.trajectory import header_line
from horizonbench.redact import Redactor
from horizonbench.sandbox.shell import ExecResult


class TaskView(BaseModel):
    """What an agent may know of a task."""

    name: str = Field(description="Task name.")
    instruction: str = Field(description="What the agent is told.")
    workdir: str = Field(description="Working directory in the sandbox.")
    tools: list[ToolSpec] = Field(default_factory=list, description="Task-specific tools.")
    solution_dir: Path | None = Field(None, description="The oracle's solution; only for agents that need it.")
    solution_env: dict[str, str] = Field(
        default_factory=dict, description="[solution] env: the environment of the oracle's solve.sh."
    )
    timeout_s: float | None = Field(None, description="Wall-clock limit of this agent phase, in seconds.")


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

    def __init__(self, trial_dir: Path | None, secrets: list[str] | None = None, trial_id: str = "") -> None:
        self.trial_dir = trial_dir
        self._redact = Redactor(secrets)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self.steps = 0
        # Open for the whole attempt (closed by close()): every event is flushed as it happens.
        self._traj = open(trial_dir / "trajectory.jsonl", "a", encoding="utf-8") if trial_dir else None  # noqa: SIM115
        self._log = open(trial_dir / "agent.log", "a", encoding="utf-8") if trial_dir else None  # noqa: SIM115
        if self._traj is not None and self._traj.tell() == 0:
            with _writing(self._traj):
                self._traj.write(header_line(trial_id or trial_dir.name if trial_dir else trial_id) + "\n")

    def add_secret(self, value: str) -> None:
        """Redact ``value`` too (an adapter's API key, known once the adapter starts)."""
        self._redact.add(value)

    def redact(self, text: str) -> str:
        return self._redact(text)

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
    under the entry-point group ``horizonbench.agents``.

    This is the whole contract: the runner uses these members and nothing else. Only
    ``name`` and ``run`` are required of an adapter; :func:`with_defaults` (called by the
    registry) gives the others their defaults from :data:`OPTIONAL_HOOKS`, and
    :class:`AgentBase` declares them for adapters that subclass it.
    """

    name: str
    needs_solution: bool
    """The agent reads the task's ``solution/`` (only the oracle should)."""
    needs_gateway: bool
    """The agent's model calls go through the harness's model gateway: its unix socket is
    mounted into the sandbox (agent CLIs that run inside the sandbox)."""
    model: str | None
    """The model the agent calls, recorded in every result (``None``: no model)."""
    prompts: Prompts | None
    """The prompt templates the agent uses; their content hashes go into the run manifest."""
    partial_outcome: AgentOutcome | None
    """What the agent had done when the harness stopped it (wall-clock or disk limit): kept
    up to date while it works, read after ``run`` is cancelled."""

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        """Work on the task until done, out of budget, or failed; never raise for the
        agent's own mistakes (report them in the outcome)."""
        ...


OPTIONAL_HOOKS: dict[str, Any] = {
    "needs_solution": False,
    "needs_gateway": False,
    "model": None,
    "prompts": None,
    "partial_outcome": None,
}
"""The members of :class:`Agent` an adapter may leave out, and their defaults."""


class AgentBase:
    """A base class with every optional member of :class:`Agent` at its default."""

    name: str = "agent"
    needs_solution: ClassVar[bool] = False
    needs_gateway: ClassVar[bool] = False
    model: str | None = None
    prompts: Prompts | None = None
    partial_outcome: AgentOutcome | None = None


def with_defaults(agent: Any) -> Any:
    """``agent`` with the optional members it lacks set to their defaults.

    Raises:
        ConfigError: it lacks ``name`` or ``run``, or its class does not let a default be set.
    """
    for member in ("name", "run"):
        if not hasattr(agent, member):
            raise ConfigError(f"{type(agent).__name__} does not implement the Agent protocol: no {member!r}")
    for member, default in OPTIONAL_HOOKS.items():
        if not hasattr(agent, member):
            try:
                setattr(agent, member, default)
            except AttributeError:
                raise ConfigError(
                    f"{type(agent).__name__} lacks {member!r} and cannot be given a default; "
                    "declare it (or subclass horizonbench.agents.base.AgentBase)"
                ) from None
    return agent
