"""Agents: the protocol, the registry and the built-in adapters."""

from horizonbench.agents.base import Agent, AgentOutcome, AgentSandbox, Budget, Recorder, TaskView
from horizonbench.agents.registry import available, create

__all__ = ["Agent", "AgentOutcome", "AgentSandbox", "Budget", "Recorder", "TaskView", "available", "create"]
