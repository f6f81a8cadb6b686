"""One trial as a page shows it: its result, the trajectory step by step, the diff, the logs.

Everything here is read from the trial's directory as it was written (results are redacted
when written; the viewer adds nothing). Long outputs and logs are cut to a head and a tail,
so a trial that flooded its output still opens quickly.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from horizonbench.errors import ConfigError, RunError
from horizonbench.models import TrialResult
from horizonbench.models.trajectory import read_events
from horizonbench.view.runs import Run

log = logging.getLogger(__name__)

OUTPUT_CHARS = 20_000
"""Characters of one tool output or message shown (head and tail)."""
LOG_CHARS = 200_000
"""Characters of a log file shown (head and tail)."""

FLAG_EXPLANATIONS = {
    "touched_protected": "The agent's change altered protected paths (tests, conftest.py, start-up hooks); "
    "they were restored from the task's base state before grading.",
    "tampered_system": "The agent changed system paths (/usr, /bin, /lib, user site directories) "
    "outside its working directory.",
    "provenance_unchecked": "A file a package claims (an interpreter, a start-up .pth) was set aside because "
    "its archive or index could not be reached to check it: the harness cannot tell whether the failure is the "
    "agent's.",
    "fake_test_summary": "The test log held a second pytest summary (printed by the code under test); "
    "only the first was read.",
    "patch_failed": "The agent's diff did not apply to a clean copy of the task.",
    "verifier_timeout": "The tests ran out of time.",
    "no_test_result": "The SWE-bench eval script's log gave no test result swebench accepts (the tests did not "
    "reach the end marker, or exited non-zero with no failed test).",
    "reward_unreadable": "The verifier wrote no readable reward file.",
    "sandbox_restarted": "The agent killed the harness's shells and its sandbox was restarted.",
    "oom_killed": "A process in the sandbox was killed for exceeding the memory cap.",
    "pids_limit": "The sandbox hit its cap on processes.",
    "disk_limit": "The sandbox's disk use reached its cap and the agent was stopped.",
}
"""What each flag a result can carry means."""


def explain_flag(flag: str) -> str:
    return FLAG_EXPLANATIONS.get(flag, "No explanation recorded for this flag.")


@dataclass(frozen=True)
class Clipped:
    """A text cut to its head and tail when long."""

    head: str
    tail: str = ""
    omitted: int = 0
    """Characters left out between head and tail."""


def clip(text: str, limit: int = OUTPUT_CHARS) -> Clipped:
    if len(text) <= limit:
        return Clipped(text)
    half = limit // 2
    return Clipped(text[:half], text[-half:], len(text) - 2 * half)


@dataclass(frozen=True)
class DiffLine:
    kind: str
    """CSS class: ``add``, ``del``, ``hunk``, ``file`` or ``ctx``."""
    text: str


_FILE_HEADERS = ("diff --git", "index ", "--- ", "+++ ", "new file", "deleted file", "similarity", "rename")


def diff_lines(diff: str) -> list[DiffLine]:
    """Each line of a unified diff with its kind, for colouring."""
    out = []
    for line in diff.splitlines():
        if line.startswith(
            ("diff --git", "index ", "--- ", "+++ ", "new file", "deleted file", "similarity", "rename")
        ):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        out.append(DiffLine(kind, line))
    return out


@dataclass(frozen=True)
class Step:
    """One trajectory event for display: its kind, the time, and its fields by role."""

    kind: str
    t: float
    step: int | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class TestRow:
    group: str
    """``FAIL_TO_PASS``, ``PASS_TO_PASS``, or a milestone label."""
    name: str
    passed: bool


@dataclass
class TrialView:
    """Everything a trial page shows."""

    run: Run
    trial_id: str
    result: TrialResult | None
    instruction: str | None = None
    steps: list[Step] = field(default_factory=list)
    trajectory_error: str | None = None
    diff: list[DiffLine] = field(default_factory=list)
    diff_omitted: int = 0
    verifier_log: Clipped | None = None
    agent_log: Clipped | None = None
    tests: list[TestRow] = field(default_factory=list)
    flags: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def read_trial(run: Run, trial_id: str) -> TrialView:
    """The trial ``trial_id`` of ``run``.

    Raises:
        RunError: the trial id is malformed or the run has no such trial.
    """
    directory = run.trial_dir(trial_id)
    if not directory.is_dir():
        raise RunError(f"{run.path}: no trial {trial_id}")
    view = TrialView(run=run, trial_id=trial_id, result=_read_result(directory / "result.json"))
    view.files = sorted(p.name for p in directory.iterdir() if p.is_file())
    result = view.result
    if result is not None:
        view.instruction = _instruction(run, result.task)
        view.tests = _tests(result)
        flags = list(result.flags)
        for flag in result.verdict.flags if result.verdict else []:
            if flag not in flags:
                flags.append(flag)
        view.flags = [(f, explain_flag(f)) for f in flags]
    trajectory = directory / "trajectory.jsonl"
    if trajectory.is_file():
        try:
            for event in read_events(trajectory):  # the steps before a bad line are still shown
                view.steps.append(_step(event.model_dump()))
        except ConfigError as exc:
            view.trajectory_error = str(exc)
    diff = _read_text(directory / "agent.diff")
    if diff is not None:
        cut = clip(diff, LOG_CHARS)
        view.diff, view.diff_omitted = diff_lines(cut.head + cut.tail), cut.omitted
    verifier = _read_text(directory / "verifier.log")
    view.verifier_log = clip(verifier, LOG_CHARS) if verifier is not None else None
    agent_log = _read_text(directory / "agent.log")
    view.agent_log = clip(agent_log, LOG_CHARS) if agent_log is not None else None
    return view


def _read_result(path: Path) -> TrialResult | None:
    try:
        return TrialResult.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError, ValueError) as exc:
        log.warning("%s: cannot read the trial result (%s)", path, exc)
        return None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _instruction(run: Run, task: str) -> str | None:
    path = run.task_path(task)
    if path is None:
        return None
    return _read_text(path / "instruction.md")


def _tests(result: TrialResult) -> list[TestRow]:
    verdict = result.verdict
    if verdict is None:
        return []
    rows = [
        TestRow(group, name, outcome == "success")
        for group, outcomes in verdict.tests.items()
        for outcome in ("failure", "success")
        for name in outcomes.get(outcome, [])
    ]
    rows += [TestRow(f"milestone {i + 1}", m.name, m.passed) for i, m in enumerate(verdict.milestones)]
    return rows


def _step(event: dict[str, Any]) -> Step:
    kind = str(event.pop("kind", ""))
    t = float(event.pop("t", 0.0) or 0.0)
    step = event.pop("step", None)
    fields: dict[str, Any] = {}
    for name, value in event.items():
        if name in ("output", "text", "reasoning", "message") and isinstance(value, str):
            fields[name] = clip(value)
        elif name == "arguments":
            fields[name] = clip(_pretty(value))
        elif name == "tool_calls" and isinstance(value, list):
            fields[name] = [_call(c) for c in value]
        elif name in ("request", "response"):
            fields[name] = clip(_pretty(value))
        elif isinstance(value, dict | list) and name != "usage":
            fields[name] = json.dumps(value, ensure_ascii=False)
        else:
            fields[name] = value
    return Step(kind=kind, t=t, step=step if isinstance(step, int) else None, fields=fields)


def _call(call: Any) -> dict[str, Any]:
    if not isinstance(call, dict):
        return {"name": "?", "arguments": clip(_pretty(call))}
    return {"name": str(call.get("name", "?")), "id": call.get("id"), "arguments": clip(_pretty(call.get("arguments")))}


def _pretty(value: Any) -> str:
    """Arguments as indented JSON (a JSON string is parsed first; anything else is shown as is)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
