"""A trial's trajectory.jsonl as an ATIF trajectory (:mod:`horizonbench.models.atif`), and a
run's trajectories exported in that format, one JSON file per trial.

How events map to steps: the task's instruction is the user step; each ``model_call`` is an
agent step (text, reasoning, tool calls, tokens and cost), whose observation holds the
outputs of the ``tool_call`` events that answer its calls; a ``tool_call`` with no model call
before it (the replay agent, scripted agents) is an agent step of its own; a
``gateway_exchange`` (an agent CLI behind the model gateway) is an agent step read from the
model's reply. Other events (start, retries, notes) are kept in the root's ``extra``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from horizonbench import __version__
from horizonbench.errors import RunError
from horizonbench.models import TrialResult
from horizonbench.models.atif import (
    AtifAgent,
    AtifFinalMetrics,
    AtifMetrics,
    AtifObservation,
    AtifObservationResult,
    AtifStep,
    AtifToolCall,
    AtifTrajectory,
)
from horizonbench.models.trajectory import TrajectoryEvent, read_events
from horizonbench.results.store import find_run, write_redacted


def to_atif(events: list[TrajectoryEvent], result: TrialResult, instruction: str | None = None) -> AtifTrajectory:
    """The ATIF trajectory of one trial's events."""
    steps: list[AtifStep] = []
    others: list[dict[str, Any]] = []
    if instruction is not None:
        steps.append(AtifStep(step_id=1, source="user", message=instruction))
    pending: dict[str, AtifStep] = {}
    """Tool call id -> the agent step whose observation its output joins."""
    for event in events:
        data = event.model_dump()
        kind = data.pop("kind")
        if kind == "model_call":
            step = _model_step(len(steps) + 1, data, result.model)
            steps.append(step)
            pending = {c.tool_call_id: step for c in step.tool_calls or []}
        elif kind == "tool_call":
            call_id = str(data.get("id") or f"call_{len(steps) + 1}")
            owner = pending.pop(call_id, None)
            if owner is None:
                owner = AtifStep(
                    step_id=len(steps) + 1,
                    source="agent",
                    tool_calls=[
                        AtifToolCall(
                            tool_call_id=call_id,
                            function_name=str(data.get("name", "")),
                            arguments=_arguments(data.get("arguments")),
                        )
                    ],
                    extra={"t": data.get("t")},
                )
                steps.append(owner)
            if owner.observation is None:
                owner.observation = AtifObservation()
            owner.observation.results.append(AtifObservationResult(source_call_id=call_id, content=data.get("output")))
        elif kind == "gateway_exchange":
            steps.append(_gateway_step(len(steps) + 1, data, result.model))
        else:
            others.append({"kind": kind, **data})
    outcome = result.outcome
    final = None
    if outcome is not None:
        final = AtifFinalMetrics(
            total_prompt_tokens=outcome.input_tokens,
            total_completion_tokens=outcome.output_tokens,
            total_cached_tokens=outcome.cached_input_tokens,
            total_cost_usd=outcome.cost_usd,
            total_steps=outcome.steps,
        )
    return AtifTrajectory(
        session_id=result.trial_id,
        agent=AtifAgent(
            name=result.agent, version=__version__, model_name=result.model, extra={"harness": "horizonbench"}
        ),
        steps=steps,
        notes="Exported by horizonbench from trajectory.jsonl; total_steps counts model turns.",
        final_metrics=final,
        extra={
            "run_id": result.run_id,
            "task": result.task,
            "suite": result.suite,
            "attempt": result.attempt,
            "status": result.status,
            "reward": result.reward,
            "events": others,
        },
    )


def _model_step(step_id: int, data: dict[str, Any], model: str | None) -> AtifStep:
    usage = data.get("usage") or {}
    calls = [
        AtifToolCall(
            tool_call_id=str(c.get("id") or f"call_{step_id}_{i}"),
            function_name=str(c.get("name", "")),
            arguments=_arguments(c.get("arguments")),
        )
        for i, c in enumerate(data.get("tool_calls") or [])
        if isinstance(c, dict)
    ]
    return AtifStep(
        step_id=step_id,
        source="agent",
        model_name=model,
        message=str(data.get("text") or ""),
        reasoning_content=data.get("reasoning") or None,
        tool_calls=calls or None,
        metrics=_metrics(usage, data, finish_reason=data.get("finish_reason")),
        extra={"t": data.get("t"), "step": data.get("step")},
    )


def _gateway_step(step_id: int, data: dict[str, Any], model: str | None) -> AtifStep:
    """An agent step from a reply the gateway passed on (OpenAI chat or Anthropic messages)."""
    reply = data.get("response")
    response: dict[str, Any] = reply if isinstance(reply, dict) else {}
    text, calls = "", []
    if data.get("protocol") == "anthropic":
        for block in response.get("content") or []:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text":
                text += str(block.get("text", ""))
            elif block.get("type") == "tool_use":
                calls.append(
                    AtifToolCall(
                        tool_call_id=str(block.get("id", "")),
                        function_name=str(block.get("name", "")),
                        arguments=_arguments(block.get("input")),
                    )
                )
    else:
        message = ((response.get("choices") or [{}])[0] or {}).get("message") or {}
        text = str(message.get("content") or "")
        for c in message.get("tool_calls") or []:
            fn = (c.get("function") if isinstance(c, dict) else None) or {}
            calls.append(
                AtifToolCall(
                    tool_call_id=str(c.get("id", "")),
                    function_name=str(fn.get("name", "")),
                    arguments=_arguments(fn.get("arguments")),
                )
            )
    usage = data.get("usage") or {}
    return AtifStep(
        step_id=step_id,
        source="agent",
        model_name=model,
        message=text,
        tool_calls=calls or None,
        metrics=_metrics(usage, data, http_status=data.get("status")),
        extra={"t": data.get("t"), "via": "gateway"},
    )


def _arguments(value: Any) -> dict[str, Any]:
    """A call's arguments as the JSON object ATIF requires: a JSON string is parsed; anything
    that is not an object (malformed arguments the model sent) is kept under ``_raw``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {"_raw": value}
    if isinstance(value, dict):
        return value
    return {} if value is None else {"_raw": value}


def export_atif(run: Path | str, out: Path | str) -> list[Path]:
    """Write ``OUT/<trial-id>.json``, the ATIF trajectory of each trial of ``run`` that has one.

    Raises:
        RunError: ``run`` is not a run directory, or a file cannot be written.
        ConfigError: a trajectory.jsonl is not valid (naming the file and line).
    """
    rundir = find_run(run)
    manifest = rundir.read_manifest()
    tasks = {t.name: Path(t.path) for t in manifest.config.tasks} if manifest else {}
    written = []
    for result in rundir.results():
        source = rundir.trial_dir(result.trial_id) / "trajectory.jsonl"
        if not source.is_file():
            continue
        instruction = None
        if result.task in tasks and (tasks[result.task] / "instruction.md").is_file():
            instruction = (tasks[result.task] / "instruction.md").read_text(encoding="utf-8")
        atif = to_atif(list(read_events(source)), result, instruction)
        path = Path(out) / f"{result.trial_id}.json"
        write_redacted(path, atif.model_dump_json(indent=2, exclude_none=True))
        written.append(path)
    if not written and not (rundir.path / "trials").is_dir():
        raise RunError(f"{rundir.path}: no trials to export")
    return written


def _metrics(usage: dict[str, Any], data: dict[str, Any], **extra: Any) -> AtifMetrics:
    """A step's tokens, cost and latency (from a model call or a gateway exchange), and ``extra``."""
    return AtifMetrics(
        prompt_tokens=usage.get("input_tokens"),
        completion_tokens=usage.get("output_tokens"),
        cached_tokens=usage.get("cached_input_tokens"),
        cost_usd=data.get("cost"),
        extra={"latency_s": data.get("latency"), **extra},
    )
