"""A task's soundness record: did its gold patch resolve it, and does the unchanged
repository fail? Written by ``tasks check`` and by ``score-predictions`` (which checks
on demand), kept in a cache keyed by the task's content hash."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SOUNDNESS_SCHEMA_VERSION = "1"

Outcome = Literal["passed", "failed", "error", "not applied"]


class Soundness(BaseModel):
    """One task's proof of soundness (or of its absence)."""

    schema_version: str = Field(SOUNDNESS_SCHEMA_VERSION, description="Soundness record schema version.")
    task: str = Field(description="The task's name.")
    content_hash: str = Field(description="Task.content_hash() the check ran on (the cache key).")
    gold: Outcome = Field(description="The reference solution (gold patch): passed | failed | error | not applied.")
    noop: Outcome = Field(description="The unchanged repository (no-op): it must fail.")
    gold_detail: str = Field("", description="The gold verdict's or error's line.")
    noop_detail: str = Field("", description="The no-op verdict's or error's line.")
    gold_log: str = Field("", description="Path of the gold attempt's verifier log, kept beside the record.")
    checked_by: str = Field("", description="tasks check | score-predictions.")

    @property
    def sound(self) -> bool:
        return self.gold == "passed" and self.noop == "failed"

    @property
    def infrastructure_error(self) -> bool:
        """Neither outcome says anything about the task: the check itself did not run."""
        return self.gold == "error" or self.noop == "error"

    def reason(self) -> str:
        """Why an instance is not sound, in a line naming the log."""
        log = f" (log: {self.gold_log})" if self.gold_log else ""
        if self.gold != "passed":
            return f"the gold patch does not resolve this instance: {self.gold}, {self.gold_detail}{log}"
        if self.noop != "failed":
            return f"the unchanged repository already passes its tests: {self.noop_detail}"
        return "sound"
