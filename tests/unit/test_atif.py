"""Trajectories in Harbor's ATIF: a recorded trajectory.jsonl exported to ATIF, read back by
the replay agent as the same tool calls, and the export of a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from horizonbench.agents.replay import ReplayAgent, load_tool_calls
from horizonbench.errors import ConfigError
from horizonbench.models import AgentOutcome, RunConfig, RunManifest, TaskEntry, TrialResult
from horizonbench.models.atif import ATIF_VERSION, AtifTrajectory, read_atif
from horizonbench.models.trajectory import header_line, read_events
from horizonbench.results.atif import export_atif, to_atif
from horizonbench.results.store import RunDir

# Events as the openai adapter writes them (a model call, then the tool call answering it),
# a call with malformed arguments, and a tool call with no model call before it.
EVENTS = [
    {"t": 0.1, "kind": "start", "model": "m", "tools": ["bash", "str_replace_editor", "submit"]},
    {
        "t": 0.2,
        "kind": "model_call",
        "step": 1,
        "latency": 0.08,
        "text": "Looking at the code first.",
        "reasoning": "The bug is in median.",
        "tool_calls": [
            {"id": "call_a", "name": "bash", "arguments": '{"command": "cat statkit/stats.py"}'},
            {"id": "call_b", "name": "str_replace_editor", "arguments": '{"command": "view", "path": "x.py"}'},
        ],
        "usage": {"input_tokens": 265, "cached_input_tokens": 132, "output_tokens": 47},
        "cost": 0.0004,
        "finish_reason": "tool_calls",
    },
    {
        "t": 0.3,
        "kind": "tool_call",
        "step": 1,
        "id": "call_a",
        "name": "bash",
        "form": "native",
        "arguments": {"command": "cat statkit/stats.py"},
        "output": "def median(values): ...",
        "is_error": False,
    },
    {
        "t": 0.4,
        "kind": "tool_call",
        "step": 1,
        "id": "call_b",
        "name": "str_replace_editor",
        "form": "native",
        "arguments": {"command": "view", "path": "x.py"},
        "output": "1\tx = 1",
        "is_error": False,
    },
    {"t": 0.5, "kind": "retry", "error": "HTTP 429"},
    {
        "t": 0.6,
        "kind": "model_call",
        "step": 2,
        "text": "",
        "tool_calls": [
            {
                "id": "call_c",
                "name": "str_replace_editor",
                "arguments": '{"command": "str_replace", "path": "x.py", "old_str": "x = 1\\n", "new_str": "x = 2\\n"}',
            }
        ],
        "usage": {"input_tokens": 400, "cached_input_tokens": 200, "output_tokens": 60},
        "cost": 0.0006,
    },
    {
        "t": 0.7,
        "kind": "tool_call",
        "step": 2,
        "id": "call_c",
        "name": "str_replace_editor",
        "form": "text",
        "arguments": {"command": "str_replace", "path": "x.py", "old_str": "x = 1\n", "new_str": "x = 2\n"},
        "output": "edited x.py",
        "is_error": False,
    },
    {"t": 0.8, "kind": "tool_call", "step": 3, "name": "submit", "arguments": {"summary": "done"}, "output": "done"},
]


def _result(**extra: object) -> TrialResult:
    outcome = AgentOutcome(
        status="submitted", steps=2, input_tokens=665, cached_input_tokens=332, output_tokens=107, cost_usd=0.001
    )
    return TrialResult(
        run_id="r",
        trial_id="fix__openai__0",
        task="fix",
        agent="openai",
        model="m",
        attempt=0,
        status="passed",
        reward=1.0,
        outcome=outcome,
        **extra,
    )  # type: ignore[arg-type]


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "trajectory.jsonl"
    path.write_text("\n".join([header_line("fix__openai__0"), *map(json.dumps, EVENTS)]) + "\n")
    return path


def test_recorded_trajectory_to_atif_and_back_to_the_same_tool_calls(recorded: Path, tmp_path: Path) -> None:
    atif = to_atif(list(read_events(recorded)), _result(), instruction="Fix the median.")
    file = tmp_path / "fix.json"
    file.write_text(atif.model_dump_json(indent=2, exclude_none=True))
    replayed = load_tool_calls(file)
    original = load_tool_calls(recorded)
    assert [(c["name"], c["arguments"]) for c in replayed] == [(c["name"], c["arguments"]) for c in original]
    assert [c["name"] for c in replayed] == ["bash", "str_replace_editor", "str_replace_editor", "submit"]
    # ReplayAgent finds the file as a trajectory too.
    assert ReplayAgent(trajectory=str(file))._source("fix") == file


def test_atif_steps_follow_the_format(recorded: Path) -> None:
    data = json.loads(to_atif(list(read_events(recorded)), _result(), "Fix it.").model_dump_json(exclude_none=True))
    assert data["schema_version"] == ATIF_VERSION == "ATIF-v1.4"
    assert data["session_id"] == "fix__openai__0" and data["agent"]["model_name"] == "m"
    steps = data["steps"]
    assert [s["step_id"] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[0] == {"step_id": 1, "source": "user", "message": "Fix it."}
    first = steps[1]
    assert first["source"] == "agent" and first["reasoning_content"] == "The bug is in median."
    assert first["metrics"]["prompt_tokens"] == 265 and first["metrics"]["cached_tokens"] == 132
    assert [r["source_call_id"] for r in first["observation"]["results"]] == ["call_a", "call_b"]
    assert first["observation"]["results"][1]["content"] == "1\tx = 1"
    assert steps[-1]["tool_calls"][0]["function_name"] == "submit"  # a call without a model call
    assert steps[-1]["observation"]["results"][0]["content"] == "done"
    assert data["final_metrics"]["total_prompt_tokens"] == 665 and data["final_metrics"]["total_steps"] == 2
    assert [e["kind"] for e in data["extra"]["events"]] == ["start", "retry"]
    AtifTrajectory.model_validate(data)


def test_malformed_arguments_are_kept_as_an_object(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    event = {"kind": "model_call", "step": 1, "tool_calls": [{"id": "c", "name": "bash", "arguments": "{oops"}]}
    path.write_text(json.dumps(event) + "\n")
    atif = to_atif(list(read_events(path)), _result())
    calls = atif.steps[0].tool_calls
    assert calls is not None and calls[0].arguments == {"_raw": "{oops"}


def test_read_atif_names_the_problem(tmp_path: Path, recorded: Path) -> None:
    with pytest.raises(ConfigError, match="not an ATIF trajectory"):
        read_atif(recorded)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": "ATIF-v1.2", "session_id": "s", "agent": {"name": "a"}, "steps": []}))
    with pytest.raises(ConfigError, match=r"bad.json: agent.version"):
        read_atif(bad)
    older = tmp_path / "old.json"
    older.write_text(
        json.dumps(
            {
                "schema_version": "ATIF-v1.0",
                "session_id": "s",
                "agent": {"name": "a", "version": "1"},
                "steps": [
                    {
                        "step_id": 1,
                        "source": "agent",
                        "message": "",
                        "tool_calls": [{"tool_call_id": "1", "function_name": "bash", "arguments": {"command": "ls"}}],
                        "custom": 1,
                    }
                ],
            }
        )
    )
    assert load_tool_calls(older) == [{"name": "bash", "arguments": {"command": "ls"}}]


def test_export_writes_one_file_per_trial(tmp_path: Path, recorded: Path) -> None:
    task = tmp_path / "tasks" / "fix"
    task.mkdir(parents=True)
    (task / "instruction.md").write_text("Fix the median.\n")
    run = RunDir(tmp_path / "results", "r")
    config = RunConfig(tasks=[TaskEntry(name="fix", path=str(task), hash="0")], agents=["openai"], attempts=1)
    run.write_manifest(RunManifest(run_id="r", created_at="", horizonbench_version="0", config=config))
    run.write_result(_result())
    (run.trial_dir("fix__openai__0") / "trajectory.jsonl").write_text(recorded.read_text())
    written = export_atif(run.path, tmp_path / "atif")
    assert written == [tmp_path / "atif" / "fix__openai__0.json"]
    atif = read_atif(written[0])
    assert atif.steps[0].message == "Fix the median.\n" and atif.extra and atif.extra["status"] == "passed"
