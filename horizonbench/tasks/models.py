"""Deprecated: moved to :mod:`horizonbench.models.task` (this path goes away in horizonbench 0.2)."""

from horizonbench._deprecated import forward

__getattr__ = forward("horizonbench.tasks.models", "horizonbench.models.task")
