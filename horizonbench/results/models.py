"""Deprecated: moved to :mod:`horizonbench.models` (this path goes away in horizonbench 0.2)."""

from horizonbench._deprecated import forward

__getattr__ = forward("horizonbench.results.models", "horizonbench.models")
