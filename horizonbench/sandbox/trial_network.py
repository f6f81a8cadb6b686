"""A trial's network: which containers get the proxy's directory, and one proxy per phase.

The agent's container gets the directory when the agent phase has network, or when the
verifier has network and grades in that container (same mode); a fresh-mode grading
container gets a directory of its own. Each phase's proxy lives exactly as long as the
phase, logs into the trial's ``network.jsonl``, and its counts add up into the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from horizonbench.errors import ConfigError, SandboxError
from horizonbench.models.network import Phase, phase_network
from horizonbench.models.result import NetworkUse
from horizonbench.models.task import TaskConfig
from horizonbench.sandbox.egress import CONTAINER_DIR, SOCKET_NAME, EgressProxy, proxy_env
from horizonbench.sandbox.egress_bridge import start_bridge
from horizonbench.sandbox.sandbox import Sandbox

LOG_NAME = "network.jsonl"


class TrialNetwork:
    """The network plan of one trial of a task (see the module's docstring)."""

    def __init__(self, task_name: str, config: TaskConfig, fresh: bool, trial_dir: Path) -> None:
        self.task_name = task_name
        self.agent = phase_network(config, "agent")
        self.verifier = phase_network(config, "verifier")
        self.fresh = fresh
        self.log_path = trial_dir / LOG_NAME
        self.use = NetworkUse()
        self.served = False
        """Whether a proxy served any phase (the result then carries :attr:`use`)."""
        self._dirs: list[str] = []

    def check_allowed(self, network_on: bool) -> None:
        """Refuse a task that needs network when the run has it off (``--network off``).

        Raises:
            ConfigError: the task needs network and the run gives none.
        """
        phases = (("agent", self.agent), ("verifier", self.verifier))
        needs = [f"its {p} ({n.describe()})" for p, n in phases if n.needed]
        if needs and not network_on:
            raise ConfigError(
                f"task {self.task_name} needs network for {' and '.join(needs)}, and this run has --network off; "
                "run with --network on (the default) to give it the egress proxy, or set "
                '[environment] network_mode = "no-network" in its task.toml if it needs none '
                "(a task.toml that says nothing gets Harbor's default, public)"
            )

    def _dir(self) -> dict[str, str]:
        host = tempfile.mkdtemp(prefix="hb-egress-")
        Path(host).chmod(0o755)  # the container's user reaches the socket whoever it is
        self._dirs.append(host)
        return {host: CONTAINER_DIR}

    def agent_mounts(self) -> dict[str, str]:
        """Host dir -> container dir for the agent's container (empty when it needs none)."""
        if self.agent.needed or (self.verifier.needed and not self.fresh):
            return self._dir()
        return {}

    def agent_env(self) -> dict[str, str]:
        """The proxy environment of the agent's container (its shells and every exec)."""
        return proxy_env() if self.agent.needed else {}

    def grader_mounts(self) -> dict[str, str]:
        """Host dir -> container dir for a fresh-mode grading container."""
        return self._dir() if self.verifier.needed and self.fresh else {}

    @contextlib.asynccontextmanager
    async def phase(self, name: Phase, sb: Sandbox | None) -> AsyncIterator[None]:
        """Serve ``name``'s proxy to ``sb`` while the block runs (nothing when the phase has no
        network). For the agent the bridge starts here; the verifier's starts with its command
        (:func:`horizonbench.sandbox.egress_bridge.grading_env`).

        Raises:
            SandboxError: the proxy or the bridge could not start.
        """
        policy = self.agent if name == "agent" else self.verifier
        host = sb.mounts.get(CONTAINER_DIR) if sb is not None else None
        if not policy.needed or host is None:
            yield
            return
        proxy = EgressProxy(policy, name, Path(host) / SOCKET_NAME, self.log_path)
        try:
            await asyncio.to_thread(proxy.start)
        except OSError as exc:
            raise SandboxError(f"egress proxy for the {name} phase could not start: {exc}") from None
        self.served = True
        try:
            if name == "agent":
                assert sb is not None
                await asyncio.to_thread(start_bridge, sb)
            yield
        finally:
            await asyncio.shield(asyncio.to_thread(proxy.stop))
            u = proxy.usage
            self.use.connections += u.connections
            self.use.refused += u.refused
            self.use.bytes_up += u.bytes_up
            self.use.bytes_down += u.bytes_down

    def close(self) -> None:
        for host in self._dirs:
            shutil.rmtree(host, ignore_errors=True)
        self._dirs.clear()
