"""Results: the run directory on disk, and loading it into a pandas DataFrame for scoring."""

from horizonbench.results.frame import export, for_scoring, load

__all__ = ["export", "for_scoring", "load"]
