"""Deprecated: moved to :mod:`horizonbench.grading.grade` (this path goes away in horizonbench 0.2)."""

from horizonbench._deprecated import forward

__getattr__ = forward("horizonbench.scoring.verifier", "horizonbench.grading.grade")
