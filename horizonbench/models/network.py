"""The network a task's phases get, read from task.toml with Harbor's semantics.

What is matched (Harbor's task.toml reference and its network-policy page):

- ``[environment] network_mode`` is the baseline of every phase; ``[agent] network_mode``
  and ``[verifier] network_mode`` override it for their phase.
- ``[environment] allow_internet`` is the older spelling: ``true`` (its default) means
  ``public``, ``false`` means ``no-network``. An explicit ``network_mode`` wins over it.
- With nothing set, every phase is ``public`` (Harbor's default of ``allow_internet``).
- ``allowlist`` admits only the hosts in ``allowed_hosts``; a phase's own list replaces the
  environment's, an empty list admits nothing.

Host names match exactly (case and a trailing dot ignored). ``*.example.com`` also admits
every name under ``example.com`` (not the bare domain): Harbor's documentation gives only
exact names, so the wildcard is an addition here and never needed by its tasks.

Sandboxes never get a network device: a phase that has network reaches it through the
harness's egress proxy only (:mod:`horizonbench.sandbox.egress`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from horizonbench.models.task import TaskConfig

Phase = Literal["agent", "verifier"]
Mode = Literal["public", "no-network", "allowlist"]


class PhaseNetwork(BaseModel):
    """The network of one phase of a trial."""

    mode: Mode = Field(description="public (any host), allowlist (allowed_hosts only) or no-network.")
    allowed_hosts: tuple[str, ...] = Field((), description="Hosts an allowlist admits (exact or '*.domain').")

    @property
    def needed(self) -> bool:
        """Whether the phase gets the egress proxy at all."""
        return self.mode != "no-network"

    def allows(self, host: str) -> bool:
        """Whether a connection to ``host`` is admitted."""
        if self.mode == "public":
            return True
        if self.mode == "no-network":
            return False
        name = _norm(host)
        for pattern in self.allowed_hosts:
            pat = _norm(pattern)
            if pat.startswith("*."):
                if name.endswith(pat[1:]) and len(name) > len(pat) - 1:
                    return True
            elif name == pat:
                return True
        return False

    def describe(self) -> str:
        if self.mode == "allowlist":
            return f"allowlist ({', '.join(self.allowed_hosts) or 'no host'})"
        return self.mode


def _norm(host: str) -> str:
    return host.strip().lower().rstrip(".")


def phase_network(config: TaskConfig, phase: Phase) -> PhaseNetwork:
    """The network of ``phase`` (agent or verifier) under ``config``, as Harbor resolves it."""
    env = config.environment
    legacy: Mode = "public" if env.allow_internet else "no-network"
    base: Mode = env.network_mode if env.network_mode is not None else legacy
    section = config.agent if phase == "agent" else config.verifier
    mode: Mode = section.network_mode or base
    hosts = section.allowed_hosts or env.allowed_hosts
    return PhaseNetwork(mode=mode, allowed_hosts=tuple(hosts) if mode == "allowlist" else ())


def phases_needing_network(config: TaskConfig) -> list[Phase]:
    """The phases of a trial of this task that need network (for ``--network off``)."""
    return [p for p in ("agent", "verifier") if phase_network(config, p).needed]
