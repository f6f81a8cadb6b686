"""Resource caps of a sandbox."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from horizonbench.errors import BadLimits


class Limits(BaseModel):
    """Resource caps of a sandbox."""

    model_config = {"extra": "forbid"}

    cpus: float = Field(1.0, gt=0, le=256, description="CPU cores the container may use.")
    memory_mb: int = Field(2048, ge=16, le=1 << 20, description="Memory cap in MiB (no swap beyond it).")
    pids: int = Field(512, ge=8, le=1 << 22, description="Most processes and threads at once.")
    storage_mb: int = Field(10240, ge=16, description="Disk the sandbox may write (largest file; watched in trials).")

    @field_validator("cpus")
    @classmethod
    def _within_host(cls, v: float) -> float:
        host = os.cpu_count() or 1
        if v > host:
            raise ValueError(f"{v} cpus asked but this host has {host}")
        return v


def make_limits(**kwargs: Any) -> Limits:
    """Build :class:`Limits`, turning validation errors into :class:`BadLimits`."""
    try:
        return Limits(**kwargs)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise BadLimits(f"bad sandbox limit {field}={first.get('input')!r}: {first['msg']}") from None
