"""``decisions.json``: what a run with ``--until-decided`` decided, and at which round."""

from __future__ import annotations

from pydantic import BaseModel, Field

DECISIONS_SCHEMA_VERSION = "1"


class ClaimDecision(BaseModel):
    """One claim's sequential verdict when the run stopped."""

    claim_id: str = Field(description="The claim's id in the claims file.")
    kind: str = Field(description="pass_rate, within, horizon or cost_ratio.")
    verdict: str = Field(description="supported, contradicted, undecided or not monitored.")
    decided_at_round: int | None = Field(None, description="1-based round the verdict was reached at; None if not.")
    estimate: float | None = Field(None, description="Mean of the round observations (a fraction).")
    low: float | None = Field(None, description="Lower end of the confidence sequence when the run stopped.")
    high: float | None = Field(None, description="Upper end of the confidence sequence when the run stopped.")
    alpha: float | None = Field(None, description="Error rate of this claim's sequence, after the correction.")
    n_trials: int = Field(0, description="Non-error trials the verdict was computed from.")
    detail: str = Field("", description="One sentence on the evidence.")


class RoundRecord(BaseModel):
    """The state after one round."""

    round: int = Field(description="1-based round: attempts 0 .. round - 1 of every task have run.")
    trials: int = Field(description="Trials in the run directory after the round, errors included.")
    undecided: list[str] = Field(default_factory=list, description="Ids of monitored claims not yet decided.")


class Decisions(BaseModel):
    """The record of an until-decided run, written beside run.json."""

    schema_version: str = Field(DECISIONS_SCHEMA_VERSION, description="decisions.json schema version.")
    claims_file: str = Field(description="The claims file the run was monitored against.")
    method: str = Field(description="The sequential method and its reference.")
    alpha: float = Field(description="Family-wise error rate across the monitored claims.")
    correction: str = Field(description="Correction across claims: none or bonferroni.")
    correction_note: str = Field(description="The correction, in a sentence.")
    max_rounds: int = Field(description="The planned maximum: --attempts.")
    rounds_run: int = Field(description="Rounds that ran before every monitored claim was decided (or the maximum).")
    stopped_early: bool = Field(description="True when the run stopped before the planned maximum.")
    rounds: list[RoundRecord] = Field(default_factory=list, description="The state after each round.")
    claims: list[ClaimDecision] = Field(default_factory=list, description="Each claim's verdict at the stop.")
