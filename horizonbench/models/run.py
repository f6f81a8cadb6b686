"""What a run writes beside its trials: ``run.json``, the manifest, and the config a resume must match."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

RUN_SCHEMA_VERSION = "1"


class TaskEntry(BaseModel):
    name: str
    path: str
    hash: str
    suite: str = ""


class RunConfig(BaseModel):
    """What decides a run's trials; a resume must match it exactly."""

    tasks: list[TaskEntry]
    agents: list[str]
    agent_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    attempts: int
    budget: dict[str, Any] = Field(default_factory=dict)
    prompts: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Agent -> prompt template file -> content hash (LLM agents)."
    )

    def fingerprint(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class RunManifest(BaseModel):
    schema_version: str = Field(RUN_SCHEMA_VERSION, description="run.json schema version.")
    run_id: str
    created_at: str
    horizonbench_version: str
    config: RunConfig
    suites: dict[str, str] = Field(default_factory=dict, description="Suite name -> version.")
    images: dict[str, str] = Field(default_factory=dict, description="Task -> image id, as built.")
    concurrency: int = 1
    host: str = ""
