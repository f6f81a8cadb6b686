"""What a run writes: the run manifest and one result per trial (pydantic, versioned)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from horizonbench.models.agent import AgentOutcome

RESULT_SCHEMA_VERSION = "1"

Status = Literal["passed", "failed", "error"]


class MilestoneResult(BaseModel):
    name: str = Field(description="Milestone name.")
    passed: bool = Field(description="Whether all its tests passed.")


class Verdict(BaseModel):
    """What the verifier decided."""

    status: Literal["passed", "failed"] = Field(description="passed | failed (errors never get a verdict).")
    reward: float = Field(description="0..1; 1 for a full pass.")
    grader: str = Field(description="reward | swebench | milestones.")
    mode: str = Field(description="fresh | same.")
    resolution: str | None = Field(None, description="swebench: RESOLVED_FULL / RESOLVED_PARTIAL / RESOLVED_NO.")
    tests: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict, description="swebench report: FAIL_TO_PASS / PASS_TO_PASS -> success / failure lists."
    )
    milestones: list[MilestoneResult] = Field(default_factory=list, description="Each milestone and its outcome.")
    furthest_milestone: int = Field(-1, description="Index of the last milestone of the unbroken passing prefix.")
    exit_code: int | None = Field(None, description="Exit code of the test command.")
    flags: list[str] = Field(default_factory=list, description="Suspicious things seen while grading.")
    detail: str = Field("", description="Why, in a line.")

    @property
    def milestones_passed(self) -> int:
        return sum(m.passed for m in self.milestones)


class Timings(BaseModel):
    image_s: float = 0.0
    start_s: float = 0.0
    agent_s: float = 0.0
    collect_s: float = 0.0
    verifier_s: float = 0.0
    test_s: float = 0.0
    total_s: float = 0.0


class TrialResult(BaseModel):
    """One attempt of one agent on one task, end to end."""

    schema_version: str = Field(RESULT_SCHEMA_VERSION, description="Result schema version.")
    run_id: str
    trial_id: str
    task: str
    suite: str = ""
    family: str = ""
    agent: str
    model: str | None = None
    attempt: int
    status: Status = Field(description="passed | failed | error (infrastructure, never the agent's failure).")
    reward: float = 0.0
    error: str | None = Field(None, description="What went wrong, for errors.")
    error_kind: str | None = Field(None, description="image | sandbox | agent | verifier | harness.")
    verdict: Verdict | None = None
    outcome: AgentOutcome | None = None
    image: str = ""
    image_id: str = ""
    task_hash: str = ""
    difficulty: str | None = None
    tags: list[str] = Field(default_factory=list)
    expert_minutes: float | None = None
    horizon_steps: int | None = None
    started_at: str = ""
    finished_at: str = ""
    timings: Timings = Field(default_factory=Timings)
    flags: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        # Readers accept older result files; version "0" had no family.
        if isinstance(data, dict) and data.get("schema_version") == "0":
            data = {**data, "schema_version": RESULT_SCHEMA_VERSION}
            data.setdefault("family", data.get("task", ""))
        return data
