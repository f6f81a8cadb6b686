"""Deprecated: moved to :mod:`horizonbench.agents.scripted_endpoint` (this path goes away in horizonbench 0.2)."""

from horizonbench._deprecated import forward

__getattr__ = forward("horizonbench.agents.scripted", "horizonbench.agents.scripted_endpoint")
