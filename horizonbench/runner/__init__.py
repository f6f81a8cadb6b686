"""Running trials: one attempt end to end (trial) and many (run)."""

from horizonbench.runner.executor import Executor, LocalExecutor, RunOptions
from horizonbench.runner.run import RunSummary, execute, expand, make_executor
from horizonbench.runner.trial import TrialSpec, run_trial

__all__ = [
    "Executor",
    "LocalExecutor",
    "RunOptions",
    "RunSummary",
    "TrialSpec",
    "execute",
    "expand",
    "make_executor",
    "run_trial",
]
