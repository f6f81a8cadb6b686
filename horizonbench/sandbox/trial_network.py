"""A trial's network: which containers get the proxy's directory, and one proxy per phase.

The agent's container gets a directory when the agent phase has network; a grading
container gets one of its own when the verifier phase has network, in either grading mode.
They are never the same directory: in same mode what the agent left running could otherwise
replace the verifier's socket with one of its own. Each phase's proxy lives exactly as long as the
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
from horizonbench.sandbox.egress import (
    BRIDGE_NAME,
    CA_NAME,
    CONTAINER_DIR,
    SOCKET_NAME,
    EgressProxy,
    host_ca_bundle,
    proxy_env,
)
from horizonbench.sandbox.egress_bridge import start_bridge
from horizonbench.sandbox.native import bridge_binary
from horizonbench.sandbox.sandbox import Sandbox

LOG_NAME = "network.jsonl"


class TrialNetwork:
    """The network plan of one trial of a task (see the module's docstring)."""

    def __init__(self, task_name: str, config: TaskConfig, trial_dir: Path) -> None:
        self.task_name = task_name
        self.agent = phase_network(config, "agent")
        self.verifier = phase_network(config, "verifier")
        self.log_path = trial_dir / LOG_NAME
        self.use = NetworkUse()
        self.served = False
        """Whether a proxy served any phase (the result then carries :attr:`use`)."""
        self._dirs: list[str] = []
        self._grader_dir: str | None = None
        self.unreachable: dict[Phase, set[str]] = {}
        """Per phase, the allowed hosts the proxy could not reach."""

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
        if (bundle := host_ca_bundle()) is not None:
            shutil.copyfile(bundle, Path(host) / CA_NAME)
            (Path(host) / CA_NAME).chmod(0o644)
        if (bridge := bridge_binary()) is not None:
            shutil.copyfile(bridge, Path(host) / BRIDGE_NAME)
            (Path(host) / BRIDGE_NAME).chmod(0o755)
        return {host: CONTAINER_DIR}

    def agent_mounts(self) -> dict[str, str]:
        """Host dir -> container dir for the agent's container (empty when it needs none)."""
        return self._dir() if self.agent.needed else {}

    def agent_env(self) -> dict[str, str]:
        """The proxy environment of the agent's container (its shells and every exec)."""
        return proxy_env(ca=host_ca_bundle() is not None) if self.agent.needed else {}

    def grader_mounts(self) -> dict[str, str]:
        """Host dir -> container dir for the grading container (fresh or same mode)."""
        if not self.verifier.needed:
            return {}
        if self._grader_dir is None:
            self._grader_dir = next(iter(self._dir()))
        return {self._grader_dir: CONTAINER_DIR}

    @contextlib.asynccontextmanager
    async def phase(self, name: Phase, sb: Sandbox | None = None) -> AsyncIterator[None]:
        """Serve ``name``'s proxy while the block runs (nothing when the phase has no network):
        the agent's to ``sb``, where its bridge starts here; the verifier's into the grading
        container's directory, its bridge starting with the test command
        (:func:`horizonbench.sandbox.egress_bridge.grading_env`).

        Raises:
            SandboxError: the proxy or the bridge could not start.
        """
        policy = self.agent if name == "agent" else self.verifier
        if name == "agent":
            host = sb.mounts.get(CONTAINER_DIR) if sb is not None else None
        else:
            host = next(iter(self.grader_mounts()), None)
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
            self.use.unreachable += u.unreachable
            if u.unreachable_hosts:
                self.unreachable.setdefault(name, set()).update(u.unreachable_hosts)
            self.use.bytes_up += u.bytes_up
            self.use.bytes_down += u.bytes_down

    def close(self) -> None:
        for host in self._dirs:
            shutil.rmtree(host, ignore_errors=True)
        self._dirs.clear()
