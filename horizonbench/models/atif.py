"""Harbor's Agent Trajectory Interchange Format (ATIF): one JSON object per trajectory.

A root object (schema version, session id, the agent, notes, final metrics) holds an array of
steps; each step comes from the system, the user or the agent, and an agent step carries its
message, reasoning, tool calls, the observation of their results and the model call's metrics.
``horizonbench results export-atif`` writes version :data:`ATIF_VERSION`; the ``replay`` agent
reads any 1.x version. Unknown fields are kept (``extra="allow"``), so files written by other
tools load unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from horizonbench.errors import ConfigError

ATIF_VERSION = "ATIF-v1.4"
ATIF_PREFIX = "ATIF-v1."
"""Versions this module reads: every 1.x (later minor versions only add optional fields)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class AtifAgent(_Model):
    name: str = Field(description="The agent system's name.")
    version: str = Field(description="The agent system's version.")
    model_name: str | None = Field(None, description="The model the agent called by default.")
    extra: dict[str, Any] | None = Field(None, description="Agent configuration beyond the core schema.")


class AtifToolCall(_Model):
    tool_call_id: str = Field(description="Id of the call; an observation result names it in source_call_id.")
    function_name: str = Field(description="The tool called.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="The call's arguments, a JSON object.")


class AtifObservationResult(_Model):
    source_call_id: str | None = Field(None, description="The tool call this result answers (none: not a call).")
    content: str | None = Field(None, description="The output of the call or action.")


class AtifObservation(_Model):
    results: list[AtifObservationResult] = Field(default_factory=list, description="One result per call or action.")


class AtifMetrics(_Model):
    prompt_tokens: int | None = Field(None, description="Input tokens of the turn, cached ones included.")
    completion_tokens: int | None = Field(None, description="Tokens the model generated.")
    cached_tokens: int | None = Field(None, description="The part of prompt_tokens served from a cache.")
    cost_usd: float | None = Field(None, description="Dollars the call cost when it was made.")
    extra: dict[str, Any] | None = Field(None, description="Other metrics (latency, retries...).")


class AtifStep(_Model):
    step_id: int = Field(description="Position of the step, from 1.")
    timestamp: str | None = Field(None, description="When the step happened, ISO 8601.")
    source: Literal["system", "user", "agent"] = Field(description="system | user | agent.")
    model_name: str | None = Field(None, description="The model of this agent turn, if not the agent's default.")
    message: str = Field("", description="The prompt (system, user) or the agent's reply text.")
    reasoning_content: str | None = Field(None, description="The agent's reasoning, where the model returned it.")
    tool_calls: list[AtifToolCall] | None = Field(None, description="The calls the agent made in this turn.")
    observation: AtifObservation | None = Field(None, description="The results of the turn's calls.")
    metrics: AtifMetrics | None = Field(None, description="Tokens and cost of the model call.")
    extra: dict[str, Any] | None = Field(None, description="Step metadata beyond the core schema.")


class AtifFinalMetrics(_Model):
    total_prompt_tokens: int | None = Field(None, description="Input tokens over all steps, cached included.")
    total_completion_tokens: int | None = Field(None, description="Generated tokens over all steps.")
    total_cached_tokens: int | None = Field(None, description="Cached input tokens over all steps.")
    total_cost_usd: float | None = Field(None, description="Dollars over the whole trajectory.")
    total_steps: int | None = Field(None, description="Agent turns (model calls), as the harness counted them.")
    extra: dict[str, Any] | None = Field(None, description="Other totals.")


class AtifTrajectory(_Model):
    schema_version: str = Field(ATIF_VERSION, description='"ATIF-v1.<minor>".')
    session_id: str = Field(description="Id of the run of the agent (here: the trial id).")
    agent: AtifAgent = Field(description="The agent system.")
    steps: list[AtifStep] = Field(description="Every step, in order.")
    notes: str | None = Field(None, description="Free-form notes on the trajectory.")
    final_metrics: AtifFinalMetrics | None = Field(None, description="Totals of the trajectory.")
    extra: dict[str, Any] | None = Field(None, description="Root metadata beyond the core schema.")


def is_atif(data: Any) -> bool:
    """``data`` (parsed JSON) is an ATIF trajectory of a version this module reads."""
    return isinstance(data, dict) and str(data.get("schema_version", "")).startswith(ATIF_PREFIX)


def read_atif(path: Path) -> AtifTrajectory:
    """The ATIF trajectory in ``path``.

    Raises:
        ConfigError: the file is missing, not JSON, not ATIF 1.x, or breaks the schema (naming the field).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such trajectory file") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not an ATIF trajectory ({exc})") from None
    if not is_atif(data):
        raise ConfigError(f"{path}: not an ATIF trajectory (schema_version is not {ATIF_PREFIX}x)")
    try:
        return AtifTrajectory.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise ConfigError(f"{path}: {field}: {first['msg']}") from None


def agent_tool_calls(trajectory: AtifTrajectory) -> list[tuple[str, dict[str, Any]]]:
    """Every tool call the agent made, in order, as (tool name, arguments)."""
    return [
        (call.function_name, call.arguments)
        for step in trajectory.steps
        if step.source == "agent"
        for call in step.tool_calls or []
    ]
