"""An endpoint's fingerprint: its answers to a fixed, versioned probe set (``fingerprint.json``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field

FINGERPRINT_SCHEMA = "1"


class ProbeCall(BaseModel):
    """One tool call in a probe's answer."""

    name: str = Field(description="The tool called.")
    arguments: Any = Field(description="The arguments, decoded where they are JSON (else the raw text).")


class ProbeAnswer(BaseModel):
    """The endpoint's answer to one probe case, once."""

    case: str = Field(description="The probe case's id.")
    repeat: int = Field(description="Which repetition of the case (0-based).")
    text: str = Field("", description="The reply's text.")
    tool_calls: list[ProbeCall] = Field(default_factory=list, description="Structured tool calls, in order.")
    finish_reason: str = Field("", description="Why the reply ended.")
    prompt_tokens: int = Field(0, description="Prompt tokens the endpoint reported.")
    completion_tokens: int = Field(0, description="Completion tokens the endpoint reported.")
    top_logprob: float | None = Field(None, description="Log-probability of the first token, where offered.")
    error: str | None = Field(None, description="Why the request failed, or None.")


class Fingerprint(BaseModel):
    """What one endpoint answered to the probe set."""

    schema_version: str = Field(FINGERPRINT_SCHEMA, description="Version of this file's layout.")
    probe_set: str = Field(description="Version of the probe set that was sent.")
    model: str = Field(description="The model name asked for.")
    base_url: str = Field(description="The endpoint probed (never its key).")
    created: str = Field(description="When it was probed (UTC, ISO 8601).")
    answers: list[ProbeAnswer] = Field(default_factory=list, description="Every answer, case by case.")

    @property
    def digest(self) -> str:
        """A hash of the answers (not of when or where they were taken)."""
        body = json.dumps([a.model_dump() for a in self.answers], sort_keys=True, default=str)
        return hashlib.sha256(f"{self.probe_set}\n{body}".encode()).hexdigest()[:16]
