"""``predictions.json``: how each SWE-bench-style prediction scored (``score-predictions``)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from horizonbench.models.soundness import Soundness

PREDICTIONS_SCHEMA_VERSION = "1"

PredictionStatus = Literal["resolved", "not resolved", "not applied", "empty patch", "error"]
PREDICTION_STATUSES: tuple[PredictionStatus, ...] = ("resolved", "not resolved", "not applied", "empty patch", "error")


class Prediction(BaseModel):
    """One model patch for one instance, as SWE-bench's predictions files give it."""

    instance_id: str = Field(description="The SWE-bench instance (or task) it answers.")
    model: str = Field(description="model_name_or_path.")
    patch: str = Field(description="model_patch: a unified diff against the instance's base commit.")


class PredictionResult(BaseModel):
    instance_id: str = Field(description="The instance graded.")
    model: str = Field(description="model_name_or_path of the prediction.")
    status: PredictionStatus = Field(description="resolved | not resolved | not applied | empty patch | error.")
    resolution: str | None = Field(None, description="swebench's RESOLVED_FULL / RESOLVED_PARTIAL / RESOLVED_NO.")
    detail: str = Field("", description="Why, in a line.")
    error_kind: str | None = Field(
        None, description="For errors: environment (the instance is not sound here), image, sandbox, task."
    )
    patch_method: str | None = Field(
        None,
        description="How model_patch applied, by swebench's chain: git apply | git apply --3way | "
        "git apply --reject | patch --fuzz=5 | already applied.",
    )
    flags: list[str] = Field(default_factory=list, description="Suspicious things seen while grading.")
    tests: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict, description="FAIL_TO_PASS / PASS_TO_PASS -> success / failure lists."
    )


class PredictionsFile(BaseModel):
    """The whole report, as written to ``predictions.json``."""

    schema_version: str = Field(PREDICTIONS_SCHEMA_VERSION, description="predictions.json schema version.")
    run_id: str = Field(description="The run directory's id.")
    predictions: str = Field(description="The predictions file that was scored.")
    counts: dict[str, int] = Field(default_factory=dict, description="Status -> number of predictions.")
    results: list[PredictionResult] = Field(default_factory=list, description="One per prediction, in file order.")
    soundness: dict[str, Soundness] = Field(
        default_factory=dict, description="Task -> its soundness record (gold resolves, no-op does not)."
    )

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        # Files written before the schema had a version are version "0" and otherwise the same.
        if isinstance(data, dict) and "schema_version" not in data:
            data = {**data, "schema_version": PREDICTIONS_SCHEMA_VERSION}
        return data

    @classmethod
    def of(
        cls,
        run_id: str,
        predictions: str,
        results: list[PredictionResult],
        soundness: dict[str, Soundness] | None = None,
    ) -> PredictionsFile:
        counts = Counter(r.status for r in results)
        return cls(
            run_id=run_id, predictions=predictions, counts=dict(counts), results=results, soundness=soundness or {}
        )
