"""Turning trial results into numbers that hold up.

The input is a results frame: a pandas DataFrame with one row per trial (``task``,
``status`` and, depending on the figure, ``family``, ``suite``, ``expert_minutes``,
``cost_usd`` …). Trials with status ``error`` are infrastructure problems: every rate
leaves them out and every result counts them apart.

- :mod:`~horizonbench.scoring.metrics`: pass@1 with an interval, pass@k, pass^k, partial credit.
- :mod:`~horizonbench.scoring.tables`: per-group summaries (difficulty, horizon bucket, tag, …).
- :mod:`~horizonbench.scoring.cost`: dollars and tokens per trial and per solved task.
- :mod:`~horizonbench.scoring.horizon`: METR-style time horizon, its estimation method (``default``,
  ``metr``) and a bootstrap interval (fit in ``horizon_fit``, replicates in ``horizon_bootstrap``).
- :mod:`~horizonbench.scoring.compare`: paired comparison of two runs and the CI regression gate.
- :mod:`~horizonbench.scoring.claims`: checking a vendor's ``claims.toml`` against results.
"""

from horizonbench.errors import ClaimsFileError
from horizonbench.scoring._frame import MINUTE_BUCKETS, STEP_BUCKETS, ScoringInputError
from horizonbench.scoring.claims import (
    ClaimVerdict,
    Outcome,
    check_claims,
    decide_at_least,
    decide_at_most,
    decide_within,
    verdicts_to_markdown,
)
from horizonbench.scoring.claims_file import (
    Claim,
    ClaimsFile,
    CostRatioClaim,
    HorizonClaim,
    PassRateClaim,
    Selector,
    WithinClaim,
    load_claims,
)
from horizonbench.scoring.compare import Comparison, compare, compare_runs, regression
from horizonbench.scoring.cost import CostSummary, cost_summary, cost_table
from horizonbench.scoring.horizon import (
    HORIZON_METHODS,
    HorizonFit,
    HorizonMethod,
    fit_horizon,
    horizon_method,
    success_by_length,
    task_weights,
)
from horizonbench.scoring.metrics import (
    KMetric,
    PartialCredit,
    PassRate,
    partial_credit,
    pass_at_1,
    pass_at_k,
    pass_at_k_task,
    pass_hat_k,
    pass_hat_k_task,
    survival_curve,
)
from horizonbench.scoring.tables import by_difficulty, by_horizon_bucket, by_tag, summarize

__all__ = [
    "HORIZON_METHODS",
    "MINUTE_BUCKETS",
    "STEP_BUCKETS",
    "Claim",
    "ClaimVerdict",
    "ClaimsFile",
    "ClaimsFileError",
    "Comparison",
    "CostRatioClaim",
    "CostSummary",
    "HorizonClaim",
    "HorizonFit",
    "HorizonMethod",
    "KMetric",
    "Outcome",
    "PartialCredit",
    "PassRate",
    "PassRateClaim",
    "ScoringInputError",
    "Selector",
    "WithinClaim",
    "by_difficulty",
    "by_horizon_bucket",
    "by_tag",
    "check_claims",
    "compare",
    "compare_runs",
    "cost_summary",
    "cost_table",
    "decide_at_least",
    "decide_at_most",
    "decide_within",
    "fit_horizon",
    "horizon_method",
    "load_claims",
    "partial_credit",
    "pass_at_1",
    "pass_at_k",
    "pass_at_k_task",
    "pass_hat_k",
    "pass_hat_k_task",
    "regression",
    "success_by_length",
    "summarize",
    "survival_curve",
    "task_weights",
    "verdicts_to_markdown",
]
