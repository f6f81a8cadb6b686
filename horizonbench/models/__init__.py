"""Every persisted schema, as versioned pydantic models; the bottom layer of the package.

- :mod:`~horizonbench.models.task`: ``task.toml`` and ``suite.toml``.
- :mod:`~horizonbench.models.agent`: an attempt's budget and the agent's outcome.
- :mod:`~horizonbench.models.result`: ``result.json`` of a trial and its verdict.
- :mod:`~horizonbench.models.run`: ``run.json``, the run manifest.
- :mod:`~horizonbench.models.trajectory`: ``trajectory.jsonl``.
- :mod:`~horizonbench.models.atif`: Harbor's ATIF trajectories (exported, and read by ``replay``).
- :mod:`~horizonbench.models.image`: how a trial's image came to be, and a run's image policy.
- :mod:`~horizonbench.models.predictions`: ``predictions.json`` of ``score-predictions``.

Readers accept older versions of each (a ``mode="before"`` validator upgrades them).
"""

from horizonbench.models.agent import AgentOutcome, Budget, OutcomeStatus
from horizonbench.models.image import ImageOrigin, ImagePolicy, ImageSource
from horizonbench.models.predictions import Prediction, PredictionResult, PredictionsFile, PredictionStatus
from horizonbench.models.result import RESULT_SCHEMA_VERSION, MilestoneResult, Status, Timings, TrialResult, Verdict
from horizonbench.models.run import RUN_SCHEMA_VERSION, RunConfig, RunManifest, TaskEntry
from horizonbench.models.task import TASK_SCHEMA_VERSION, Milestone, SuiteConfig, TaskConfig, ToolSpec
from horizonbench.models.trajectory import TRAJECTORY_SCHEMA_VERSION, TrajectoryEvent, TrajectoryHeader

__all__ = [
    "RESULT_SCHEMA_VERSION",
    "RUN_SCHEMA_VERSION",
    "TASK_SCHEMA_VERSION",
    "TRAJECTORY_SCHEMA_VERSION",
    "AgentOutcome",
    "Budget",
    "ImageOrigin",
    "ImagePolicy",
    "ImageSource",
    "Milestone",
    "MilestoneResult",
    "OutcomeStatus",
    "Prediction",
    "PredictionResult",
    "PredictionStatus",
    "PredictionsFile",
    "RunConfig",
    "RunManifest",
    "Status",
    "SuiteConfig",
    "TaskConfig",
    "TaskEntry",
    "Timings",
    "ToolSpec",
    "TrajectoryEvent",
    "TrajectoryHeader",
    "TrialResult",
    "Verdict",
]
