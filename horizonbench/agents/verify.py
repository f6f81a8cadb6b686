"""Deprecated: moved to :mod:`horizonbench.workflows.conformance` (this path goes away in horizonbench 0.2)."""

from horizonbench._deprecated import forward

__getattr__ = forward("horizonbench.agents.verify", "horizonbench.workflows.conformance")
