"""Every persisted schema lives in horizonbench.models, describes every field, carries a
schema version at its top level, and reads files written before the version existed."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from pydantic import BaseModel

import horizonbench.models as models
from horizonbench.agents.base import Recorder
from horizonbench.models.trajectory import read_events


def _all_models() -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    todo = [obj for name in models.__all__ if inspect.isclass(obj := getattr(models, name))]
    while todo:
        cls = todo.pop()
        if not (inspect.isclass(cls) and issubclass(cls, BaseModel)) or cls in seen:
            continue
        seen.add(cls)
        for info in cls.model_fields.values():
            todo += [a for a in getattr(info.annotation, "__args__", ()) if inspect.isclass(a)]
            if inspect.isclass(info.annotation):
                todo.append(info.annotation)
    return seen


def test_every_persisted_field_is_described() -> None:
    found = _all_models()
    assert len(found) >= 25  # the nested task.toml sections are reached too
    missing = sorted(f"{cls.__name__}.{f}" for cls in found for f, i in cls.model_fields.items() if not i.description)
    assert not missing, f"fields without a description: {missing}"


def test_files_carry_a_schema_version() -> None:
    for cls in (models.TrialResult, models.RunManifest, models.TaskConfig, models.PredictionsFile):
        assert "schema_version" in cls.model_fields, cls.__name__


def test_trajectory_has_a_versioned_header_and_old_files_still_read(tmp_path: Path) -> None:
    rec = Recorder(tmp_path, trial_id="t__a__0")
    rec.record("tool_call", name="bash", arguments={"command": "ls"})
    rec.close()
    first = json.loads((tmp_path / "trajectory.jsonl").read_text().splitlines()[0])
    assert first == {"kind": "trajectory", "schema_version": models.TRAJECTORY_SCHEMA_VERSION, "trial_id": "t__a__0"}
    events = list(read_events(tmp_path / "trajectory.jsonl"))
    assert [e.kind for e in events] == ["tool_call"] and events[0].model_extra == {
        "name": "bash",
        "arguments": {"command": "ls"},
    }
    old = tmp_path / "old.jsonl"  # schema 0: no header line
    old.write_text('{"t": 0.1, "kind": "note", "text": "hi"}\n')
    assert [e.kind for e in read_events(old)] == ["note"]


def test_predictions_file_without_a_version_loads() -> None:
    old = {"run_id": "r", "predictions": "p.jsonl", "counts": {"resolved": 1}, "results": []}
    loaded = models.PredictionsFile.model_validate(old)
    assert loaded.schema_version == "1" and loaded.counts == {"resolved": 1}
