"""``command``: runs an agent CLI inside the sandbox (installed from a host-side
wheelhouse, or already in the image). The container keeps no network; the CLI reaches
its model only through the :mod:`model gateway <horizonbench.agents.gateway>`, which
meters and limits every call."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
from pathlib import Path
from typing import ClassVar, Literal

from horizonbench.agents.attempt import outcome_from_usage
from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView
from horizonbench.agents.endpoints import ModelSpec, resolve
from horizonbench.agents.gateway import CONTAINER_DIR, DUMMY_KEY, SOCKET_NAME, ModelGateway
from horizonbench.errors import ConfigError
from horizonbench.sandbox.shell import ExecResult

AGENT_HOME = "/opt/hb-agent"
INSTRUCTION_FILE = "/tmp/hb-instruction.md"
PID_FILE = "/tmp/hb-agent-command.pid"
STOP_GRACE_S = 2.0
"""Seconds between SIGTERM and SIGKILL when the agent command is stopped for budget."""
SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def wheelhouse(requirements: list[str]) -> Path:
    """Host-side wheelhouse for ``requirements``, downloaded once and cached."""
    from horizonbench.sandbox.images import cache_dir, download_wheelhouse

    key = hashlib.sha256(json.dumps(sorted(requirements)).encode()).hexdigest()[:16]
    dest = cache_dir() / "agent-wheels" / key
    if not (dest / ".complete").is_file():
        download_wheelhouse(requirements, dest)
        (dest / ".complete").write_text("ok\n")
    return dest


class CommandAgent:
    """Runs ``command`` (bash, in the task's workdir) with the instruction in
    ``$HB_INSTRUCTION_FILE`` and OpenAI/Anthropic base URLs pointing at the gateway
    (``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL``; keys are dummies; ``HB_MODEL`` names
    the model). ``requirements`` are pip-installed into ``/opt/hb-agent/venv`` from a
    host wheelhouse; ``files`` (a host directory) is copied to ``/opt/hb-agent/files``.
    With ``tool_calls`` auto or text, the gateway moves tool calls the model wrote in its text
    into the reply's ``tool_calls`` field, which is all most agent CLIs read."""

    name = "command"
    version = "1"
    needs_solution: ClassVar[bool] = False
    needs_gateway: ClassVar[bool] = True

    def __init__(
        self,
        command: str | None = None,
        *,
        requirements: list[str] | str | None = None,
        files: str | None = None,
        model: str | None = None,
        base_url: str | None = None,
        api_key_env: str | None = None,
        models_file: str | None = None,
        port: int = 8765,
        tool_calls: Literal["native", "text", "auto"] = "auto",
    ) -> None:
        if not command:
            raise ConfigError("the command agent needs command='...' (--agent-opt command=...)")
        self.command = command
        if isinstance(requirements, str):
            requirements = [r.strip() for r in requirements.split(",") if r.strip()]
        self.requirements = list(requirements or [])
        self.files = Path(files) if files else None
        if self.files is not None and not self.files.is_dir():
            raise ConfigError(f"command agent: files={self.files} is not a directory")
        self.spec: ModelSpec = resolve(
            model or "gpt-4.1",
            models_file=Path(models_file) if models_file else None,
            base_url=base_url,
            api_key_env=api_key_env,
        )
        self.spec.api_key()
        self.model = self.spec.name
        self.port = port
        self.tool_calls = tool_calls
        self.partial_outcome: AgentOutcome | None = None

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        api_key = self.spec.api_key()
        recorder.add_secret(api_key)
        host_dir = getattr(sandbox, "mounts", {}).get(CONTAINER_DIR)
        if not host_dir:
            return AgentOutcome(status="error", message="no gateway directory is mounted", infra_error=True)
        gateway = ModelGateway(
            self.spec, api_key, budget, recorder, Path(host_dir), text_tool_calls=self.tool_calls != "native"
        ).start()
        try:
            await self._prepare(task, sandbox, recorder)
            env = {
                "OPENAI_BASE_URL": f"http://127.0.0.1:{self.port}/v1",
                "OPENAI_API_KEY": DUMMY_KEY,
                "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{self.port}",
                "ANTHROPIC_API_KEY": DUMMY_KEY,
                "HB_MODEL": self.spec.model_id,
                "HB_INSTRUCTION_FILE": INSTRUCTION_FILE,
                "HB_WORKDIR": task.workdir,
                "PATH": f"{AGENT_HOME}/venv/bin:{SANDBOX_PATH}",
            }
            recorder.record("command", command=self.command, model=self.spec.name, base_url=self.spec.base_url)
            self.partial_outcome = _outcome(gateway, "timeout", "stopped by the wall-clock limit")
            res = await self._run_command(sandbox, gateway, task.workdir, env, budget, recorder)
            recorder.log(f"$ {self.command}\n{res.output}\n[exit {res.exit_code}]")
            recorder.record("observation", exit_code=res.exit_code, output=res.output[-8000:])
        finally:
            gateway.stop()
        if gateway.limit:
            return _outcome(gateway, "budget_exhausted", f"{gateway.limit} budget exhausted", limit=gateway.limit)
        if gateway.calls == 0 and gateway.failures:
            return _outcome(gateway, "error", "the agent could not reach its model", infra=True)
        status = "finished" if res.exit_code == 0 else "error"
        return _outcome(gateway, status, f"agent command exited {res.exit_code}")

    async def _run_command(
        self,
        sandbox: AgentSandbox,
        gateway: ModelGateway,
        workdir: str,
        env: dict[str, str],
        budget: Budget,
        recorder: Recorder,
    ) -> ExecResult:
        """The agent command, stopped (its whole process group) once the gateway refuses a call for
        budget: an agent CLI that retries a refused call would otherwise spin until the wall clock.

        The command runs as the leader of its own session so that one signal reaches everything
        it started; the stop comes from the agent's other shell, as the command's own is busy.
        """
        wrapped = f"setsid bash -c {shlex.quote(self.command)} & echo $! > {PID_FILE}; wait $!"
        work = asyncio.ensure_future(sandbox.aexec(wrapped, cwd=workdir, env=env, timeout=budget.timeout_s))
        while not work.done():
            if gateway.refused.is_set():
                recorder.record("agent_stopped", reason=f"{gateway.limit} budget exhausted")
                group = f"-$(cat {PID_FILE})"
                stop = f"kill -TERM -- {group}; sleep {STOP_GRACE_S:g}; kill -KILL -- {group}; true"
                await sandbox.ashell(stop, timeout=STOP_GRACE_S + 10)
                break
            await asyncio.wait({work}, timeout=0.25)
        return await work

    async def _prepare(self, task: TaskView, sandbox: AgentSandbox, recorder: Recorder) -> None:
        sock = f"{CONTAINER_DIR}/{SOCKET_NAME}"
        bridge = (
            f"setsid socat TCP-LISTEN:{self.port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:{sock} "
            ">/dev/null 2>&1 < /dev/null & "
            f"for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/{self.port}) 2>/dev/null && exit 0; "
            "sleep 0.05; done; "
            "echo 'gateway bridge did not come up' >&2; exit 1"
        )
        res = await sandbox.aexec(bridge, timeout=30)
        if res.exit_code != 0:
            raise RuntimeError(f"gateway bridge failed (is socat in the image?): {res.output.strip()[:200]}")
        if self.requirements:
            wheels = await asyncio.to_thread(wheelhouse, self.requirements)
            await asyncio.to_thread(sandbox.put_dir, wheels, f"{AGENT_HOME}/wheels")
            install = (
                f"python3 -m venv {AGENT_HOME}/venv && {AGENT_HOME}/venv/bin/pip install -q --no-index "
                f"--find-links {AGENT_HOME}/wheels " + " ".join(shlex.quote(r) for r in self.requirements)
            )
            res = await sandbox.aexec(install, timeout=600)
            recorder.record("install", requirements=self.requirements, exit_code=res.exit_code)
            if res.exit_code != 0:
                raise RuntimeError(f"installing the agent failed: {res.output.strip()[-300:]}")
        if self.files is not None:
            await asyncio.to_thread(sandbox.put_dir, self.files, f"{AGENT_HOME}/files")
        await asyncio.to_thread(sandbox.write_file, INSTRUCTION_FILE, task.instruction)


def _outcome(
    gw: ModelGateway, status: str, message: str, *, limit: str | None = None, infra: bool = False
) -> AgentOutcome:
    return outcome_from_usage(status, message, steps=gw.calls, usage=gw.usage, cost=gw.cost, limit=limit, infra=infra)
