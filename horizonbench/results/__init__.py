"""Results: the run directory on disk (:mod:`~horizonbench.results.store`), and loading it
into the one results DataFrame (:mod:`~horizonbench.results.loading`).

``load``, ``export`` and ``for_scoring`` are imported on first use, so that writing results
(the runner) never imports pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["export", "for_scoring", "load"]


def __getattr__(name: str) -> Any:
    if name in ("export", "load"):
        from horizonbench.results import loading

        return getattr(loading, name)
    if name == "for_scoring":
        from horizonbench.results import columns

        return columns.for_scoring
    raise AttributeError(f"module 'horizonbench.results' has no attribute {name!r}")
