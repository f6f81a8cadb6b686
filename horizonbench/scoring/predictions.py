"""Deprecated: moved to :mod:`horizonbench.workflows.predictions` (this path goes away in horizonbench 0.2)."""

from horizonbench._deprecated import forward

__getattr__ = forward("horizonbench.scoring.predictions", "horizonbench.workflows.predictions")
