"""``trajectory.jsonl``: every step of an attempt, one JSON event a line.

The first line of a file written since schema 1 is a header (``kind = "trajectory"``) that
carries the schema version; files without one (schema 0) load the same way. Events keep
the fields their writer gave them (``extra="allow"``): a model call carries tokens and
latency, a tool call its name and arguments, an observation its output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from horizonbench.errors import ConfigError

TRAJECTORY_SCHEMA_VERSION = "1"
HEADER_KIND = "trajectory"


class TrajectoryEvent(BaseModel):
    """One step: a model call, a tool call, an observation, a command, a retry, a note..."""

    model_config = ConfigDict(extra="allow")

    t: float = Field(0.0, description="Seconds since the attempt started.")
    kind: str = Field(description="model_call | tool_call | observation | command | retry | note | gateway_* ...")


class TrajectoryHeader(BaseModel):
    """The first line of a trajectory file."""

    model_config = ConfigDict(extra="allow")

    kind: str = Field(HEADER_KIND, description='Always "trajectory".')
    schema_version: str = Field(TRAJECTORY_SCHEMA_VERSION, description="Trajectory schema version.")
    trial_id: str = Field("", description="The trial this trajectory belongs to.")


def header_line(trial_id: str = "") -> str:
    return TrajectoryHeader(trial_id=trial_id).model_dump_json()


def read_events(path: Path) -> Iterator[TrajectoryEvent]:
    """The events of a trajectory file, header left out, in order.

    Raises:
        ConfigError: the file is missing, or a line is not a JSON event (naming file and line).
    """
    if not path.is_file():
        raise ConfigError(f"{path}: no such trajectory file")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data: Any = json.loads(line)
                if isinstance(data, dict) and data.get("kind") == HEADER_KIND:
                    TrajectoryHeader.model_validate(data)
                    continue
                yield TrajectoryEvent.model_validate(data)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{n}: not a JSON line ({exc.msg})") from None
            except ValidationError as exc:
                raise ConfigError(f"{path}:{n}: not a trajectory event ({exc.errors()[0]['msg']})") from None
