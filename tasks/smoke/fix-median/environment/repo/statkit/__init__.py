"""Small descriptive statistics."""

from statkit.stats import mean, median

__all__ = ["mean", "median"]
