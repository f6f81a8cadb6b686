"""Running trials: one attempt end to end (trial) and many (run)."""

from horizonbench.runner.run import RunOptions, RunSummary, execute, expand
from horizonbench.runner.trial import TrialSpec, run_trial

__all__ = ["RunOptions", "RunSummary", "TrialSpec", "execute", "expand", "run_trial"]
