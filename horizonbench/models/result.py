"""What a run writes: the run manifest and one result per trial (pydantic, versioned)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from horizonbench.models.agent import AgentOutcome
from horizonbench.models.image import ImageOrigin

RESULT_SCHEMA_VERSION = "1"

Status = Literal["passed", "failed", "error"]


class MilestoneResult(BaseModel):
    name: str = Field(description="Milestone name.")
    passed: bool = Field(description="Whether all its tests passed (a step: whether its verifier passed it).")
    reward: float | None = Field(None, description="A step of a multi-step task: its reward (None: not run).")
    detail: str | None = Field(None, description="A step of a multi-step task: its verifier's verdict in words.")


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
    flags: list[str] = Field(
        default_factory=list,
        description="Suspicious things seen while grading (touched_protected, changed_test_config, shadowed_module, "
        "runner_tampered, verdict_mismatch, fake_test_summary, guard_missing, suspicious_change, ...); "
        "docs/security.md lists them.",
    )
    review: list[str] = Field(
        default_factory=list,
        description="Lines of the agent's change that reach into the test machinery ('path:line: what'), for a "
        "person to look at; flagged suspicious_change, the verdict stands.",
    )
    kept: list[str] = Field(
        default_factory=list,
        description="Same mode: files of the test runtime the agent added or changed that were kept, being a "
        "published package's own, checked against its archive or index ('path: package, kept').",
    )
    patch_method: str | None = Field(
        None,
        description="Fresh mode: how the diff applied, by swebench's chain (git apply | git apply --3way | "
        "git apply --reject | patch --fuzz=5 | already applied); None without a diff.",
    )
    detail: str = Field("", description="Why, in a line.")

    @property
    def milestones_passed(self) -> int:
        return sum(m.passed for m in self.milestones)


class Timings(BaseModel):
    """Seconds spent in each phase of a trial."""

    image_s: float = Field(0.0, description="Finding, pulling or building the task's image.")
    start_s: float = Field(0.0, description="Starting the agent's sandbox.")
    agent_s: float = Field(0.0, description="The agent at work.")
    collect_s: float = Field(0.0, description="Stopping leftovers, reading caps hit and the agent's diff.")
    verifier_s: float = Field(0.0, description="Grading, containers included.")
    test_s: float = Field(0.0, description="The test command alone.")
    total_s: float = Field(0.0, description="The whole trial.")


class NetworkUse(BaseModel):
    """What the egress proxy carried for a trial (each connection is a line of network.jsonl)."""

    connections: int = Field(0, description="Connections made through the proxy, refused ones included.")
    refused: int = Field(0, description="Connections the task's network policy refused (HTTP 403).")
    unreachable: int = Field(0, description="Allowed connections whose host could not be reached (HTTP 502).")
    bytes_up: int = Field(0, description="Bytes sent out through the proxy.")
    bytes_down: int = Field(0, description="Bytes received through the proxy.")


class TrialResult(BaseModel):
    """One attempt of one agent on one task, end to end."""

    schema_version: str = Field(RESULT_SCHEMA_VERSION, description="Result schema version.")
    run_id: str = Field(description="The run this trial belongs to.")
    trial_id: str = Field(description="<task>__<agent>__<attempt>, unique in the run.")
    task: str = Field(description="Task name.")
    suite: str = Field("", description="Suite name (qualifies the task name in tables).")
    family: str = Field("", description="Task family (metadata.family; the task name if unset): the bootstrap cluster.")
    agent: str = Field(description="Agent name as given to --agent.")
    model: str | None = Field(None, description="The model the agent called, if any.")
    attempt: int = Field(description="Attempt number, from 0.")
    status: Status = Field(description="passed | failed | error (infrastructure, never the agent's failure).")
    reward: float = Field(0.0, description="0..1 from the verdict; 0 for errors.")
    error: str | None = Field(None, description="What went wrong, for errors.")
    error_kind: str | None = Field(
        None, description="image | network | sandbox | setup | agent | collect | verifier | environment | harness."
    )
    verdict: Verdict | None = Field(None, description="What the verifier decided (absent for errors before grading).")
    outcome: AgentOutcome | None = Field(None, description="How the attempt ended from the agent's side.")
    image: str = Field("", description="Image tag the sandbox ran.")
    image_id: str = Field("", description="Image id (sha256) the sandbox ran.")
    image_origin: ImageOrigin | None = Field(
        None, description="How that image came to be: pulled, built, local or a stand-in (absent in older results)."
    )
    task_hash: str = Field("", description="Content hash of the task directory (its version).")
    difficulty: str | None = Field(None, description="metadata.difficulty of the task.")
    tags: list[str] = Field(default_factory=list, description="metadata.tags of the task.")
    expert_minutes: float | None = Field(None, description="[horizon] expert_minutes: the task's length.")
    task_created: str | None = Field(None, description="metadata.created of the task (YYYY-MM-DD), where it says.")
    variant_of: str | None = Field(None, description="For a contamination-probe variant: the original task's name.")
    horizon_steps: int | None = Field(None, description="[horizon] steps an expert takes.")
    started_at: str = Field("", description="UTC start, ISO 8601.")
    finished_at: str = Field("", description="UTC end, ISO 8601.")
    timings: Timings = Field(default_factory=Timings, description="Seconds per phase.")
    flags: list[str] = Field(
        default_factory=list, description="Suspicious or notable things (tampering, caps hit, sandbox restarted)."
    )
    network: NetworkUse | None = Field(
        None, description="Egress proxy use, for trials whose task has network (absent otherwise)."
    )

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        # Readers accept older result files; version "0" had no family.
        if isinstance(data, dict) and data.get("schema_version") == "0":
            data = {**data, "schema_version": RESULT_SCHEMA_VERSION}
            data.setdefault("family", data.get("task", ""))
        return data
