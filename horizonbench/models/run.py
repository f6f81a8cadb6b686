"""What a run writes beside its trials: ``run.json``, the manifest, and the config a resume must match."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from horizonbench.models.registry import DatasetOrigin

RUN_SCHEMA_VERSION = "1"


class TaskEntry(BaseModel):
    """A task of the run, at the version it had."""

    name: str = Field(description="Task name.")
    path: str = Field(description="Task directory when the run started.")
    hash: str = Field(description="Content hash of the task directory.")
    suite: str = Field("", description="Suite name.")
    dataset: DatasetOrigin | None = Field(
        None, description="The dataset, version, repository and commit the task came from (run NAME@VERSION)."
    )


class RunConfig(BaseModel):
    """What decides a run's trials; a resume must match it exactly."""

    tasks: list[TaskEntry] = Field(description="Every task of the run.")
    agents: list[str] = Field(description="Agent names, as given to --agent.")
    agent_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Agent -> the constructor options it was given (no secrets: keys are env names).",
    )
    attempts: int = Field(description="Attempts per task and agent.")
    budget: dict[str, Any] = Field(default_factory=dict, description="The per-trial budget (models.agent.Budget).")
    prompts: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Agent -> prompt template file -> content hash (LLM agents)."
    )

    def fingerprint(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class EndpointRecord(BaseModel):
    """The fingerprint of the endpoint a run used (``fingerprint.json`` beside run.json)."""

    file: str = Field("fingerprint.json", description="The fingerprint file, relative to the run directory.")
    digest: str = Field(description="Hash of the fingerprint's answers.")
    probe_set: str = Field(description="Version of the probe set.")
    model: str = Field(description="The model the probe asked for.")
    base_url: str = Field(description="The endpoint probed.")


class RunManifest(BaseModel):
    schema_version: str = Field(RUN_SCHEMA_VERSION, description="run.json schema version.")
    run_id: str = Field(description="The run's id (its directory name).")
    created_at: str = Field(description="UTC creation time, ISO 8601.")
    horizonbench_version: str = Field(description="Version of horizonbench that created the run.")
    config: RunConfig = Field(description="What decides the run's trials.")
    suites: dict[str, str] = Field(default_factory=dict, description="Suite name -> version.")
    images: dict[str, str] = Field(default_factory=dict, description="Task -> image id, as built.")
    concurrency: int = Field(1, description="Trials at once.")
    host: str = Field("", description="Host the run was started on.")
    endpoint: EndpointRecord | None = Field(
        None, description="The fingerprint of the endpoint the run's model calls went to (run --fingerprint)."
    )
