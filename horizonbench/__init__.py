"""horizonbench: check what vendors claim about coding agents, on real tasks in Docker."""

from horizonbench.errors import HorizonError

__version__ = "0.1.0"

__all__ = ["HorizonError", "__version__"]
