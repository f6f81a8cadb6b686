"""The LLM adapters' loop against a real HTTP endpoint (the scripted server) with the openai SDK as
client: tool calls written in text, streaming with an idle timeout, server limits, overflow."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents import llm
from horizonbench.agents.base import Budget, Recorder, TaskView
from horizonbench.agents.openai_agent import OpenAIAgent
from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn, call
from horizonbench.models.agent import AgentOutcome
from horizonbench.models.trajectory import read_events
from tests.unit.test_agents import FakeSandbox

FENCED_LS = 'I will look first.\n```json\n{"name": "bash", "arguments": {"command": "ls"}}\n```'
HERMES_SUBMIT = '<tool_call>\n{"name": "submit", "arguments": {"summary": "done"}}\n</tool_call>'


def attempt(
    server: ScriptedServer, tmp_path: Path, budget: Budget | None = None, **options: Any
) -> tuple[AgentOutcome, list[dict[str, Any]]]:
    llm._LIMITS_SEEN.clear()
    agent = OpenAIAgent("local-model", base_url=server.openai_url, retry_base_delay=0.01, **options)
    recorder = Recorder(tmp_path, trial_id="t")
    view = TaskView(name="t", instruction="Fix it.", workdir="/w")
    try:
        outcome = asyncio.run(agent.run(view, FakeSandbox(), budget or Budget(), recorder))  # type: ignore[arg-type]
    finally:
        recorder.close()
    return outcome, [e.model_dump() for e in read_events(tmp_path / "trajectory.jsonl")]


def kinds(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == kind]


def test_calls_written_in_text_are_run_and_answered_in_their_form(tmp_path: Path) -> None:
    with ScriptedServer([Turn(text=FENCED_LS), Turn(text=HERMES_SUBMIT)]) as server:
        outcome, events = attempt(server, tmp_path)
        second, third = server.requests[1], server.requests[2] if len(server.requests) > 2 else None
    assert outcome.status == "submitted" and outcome.message == "done"
    assert third is None  # submit ended the attempt
    calls = kinds(events, "tool_call")
    assert [(c["name"], c["form"]) for c in calls] == [("bash", "fenced"), ("submit", "hermes")]
    assert calls[0]["output"].startswith("ok")  # what the sandbox answered
    answer = second["messages"][-1]
    assert answer["role"] == "user" and "Result of the bash tool call" in answer["content"]
    assert "tools" in second  # auto mode still offers the tools field
    assert kinds(events, "start")[0]["tool_calls"] == "auto"


def test_a_malformed_text_call_is_reported_to_the_model_and_counted(tmp_path: Path) -> None:
    cut_off = '<tool_call>\n{"name": "bash", "arguments": {"command": "ls'
    with ScriptedServer([Turn(text=cut_off), Turn(text=HERMES_SUBMIT)]) as server:
        outcome, events = attempt(server, tmp_path)
        reply = server.requests[1]["messages"][-1]["content"]
    assert outcome.status == "submitted" and outcome.malformed_tool_calls == 1
    assert "<tool_response>" in reply and "was not run" in reply
    assert kinds(events, "text_tool_calls")[0]["problems"][0]


def test_native_mode_leaves_text_calls_alone(tmp_path: Path) -> None:
    with ScriptedServer([Turn(text=FENCED_LS)] * 3) as server:
        outcome, events = attempt(server, tmp_path, tool_calls="native")
    assert outcome.status == "finished" and not kinds(events, "tool_call")


def test_text_mode_describes_the_tools_in_the_prompt_and_sends_no_tools_field(tmp_path: Path) -> None:
    with ScriptedServer([Turn(text=FENCED_LS), Turn(text=HERMES_SUBMIT)]) as server:
        outcome, _ = attempt(server, tmp_path, tool_calls="text")
        first = server.requests[0]
    assert outcome.status == "submitted"
    assert "tools" not in first
    system = first["messages"][0]["content"]
    assert "<tools>" in system and '"name": "str_replace_editor"' in system


def test_a_slow_stream_is_not_an_error_and_a_silent_one_is_retried(tmp_path: Path) -> None:
    long_text = "thinking " * 12  # 14 chunks of 8 characters, 0.15 s apart: ~2 s, twice the idle limit
    script = [Turn(text=long_text, tool_calls=[("bash", {"command": "ls"})]), call("submit", summary="ok")]
    with ScriptedServer(script, chunk_delay=0.15, hang_seconds=3) as server:
        server.inject("stall")
        outcome, events = attempt(server, tmp_path, request_timeout=1.0)
        streamed = [r.get("stream") for r in server.requests]
    assert outcome.status == "submitted", outcome
    assert streamed == [True, True, True]
    retries = kinds(events, "retry")
    assert len(retries) == 1 and "stream idle" in retries[0]["error"]
    first = kinds(events, "model_call")[0]
    assert first["text"] == long_text and first["latency"] > 1.0
    assert first["usage"]["input_tokens"] > 0  # the usage chunk was read
    assert kinds(events, "tool_call")[0]["arguments"] == {"command": "ls"}  # arguments joined from pieces


def test_stream_false_waits_for_the_whole_reply(tmp_path: Path) -> None:
    with ScriptedServer([call("submit", summary="ok")]) as server:
        outcome, _ = attempt(server, tmp_path, stream=False)
        assert "stream" not in server.requests[0]
    assert outcome.status == "submitted"


def test_limits_come_from_the_server_and_overflow_elides(tmp_path: Path) -> None:
    props = {"default_generation_settings": {"n_ctx": 4096, "params": {"n_predict": -1}}}
    script = [call("bash", command="ls"), call("bash", command="ls"), call("submit", summary="ok")]
    with ScriptedServer(script, info={"/props": props}) as server:
        outcome, events = _with_fault_on_third(server, tmp_path)
        max_tokens = {r["max_tokens"] for r in server.requests}
    assert outcome.status == "submitted"
    limits = kinds(events, "start")[0]["limits"]
    assert limits == {"context_window": 4096, "max_output_tokens": 1024, "source": "llama.cpp /props"}
    assert max_tokens == {1024}
    overflow = kinds(events, "context_overflow")
    assert overflow and overflow[0]["action"] == "elided oldest observation"
    assert not kinds(events, "model_error")


def _with_fault_on_third(server: ScriptedServer, tmp_path: Path) -> tuple[AgentOutcome, list[dict[str, Any]]]:
    """The third request (after two observations) gets llama.cpp's overflow reply once."""
    original = server.script
    assert isinstance(original, list)
    injected: list[int] = []

    def script(body: dict[str, Any], protocol: str, step: int) -> Turn:
        if step == 1 and not injected:
            server.inject("overflow")  # the next request, the third, overflows
            injected.append(step)
        return original[step] if step < len(original) else call("submit", summary="ok")

    server.script = script
    server.inject("500")  # one retried failure first, so the loop's retry path runs too
    return attempt(server, tmp_path)


def test_context_window_option_applies_where_the_server_says_nothing(tmp_path: Path) -> None:
    with ScriptedServer([call("submit", summary="ok")]) as server:
        _, events = attempt(server, tmp_path, context_window=16000, max_output_tokens=2000)
        assert server.requests[0]["max_tokens"] == 2000
    assert kinds(events, "start")[0]["limits"] == {
        "context_window": 16000,
        "max_output_tokens": 2000,
        "source": "--context-window",
    }


def test_vllm_max_model_len_is_read(tmp_path: Path) -> None:
    models = {"object": "list", "data": [{"id": "local-model", "object": "model", "max_model_len": 32768}]}
    with ScriptedServer([call("submit", summary="ok")], info={"/v1/models": models}) as server:
        _, events = attempt(server, tmp_path)
    limits = kinds(events, "start")[0]["limits"]
    assert limits["context_window"] == 32768 and limits["source"] == "/v1/models max_model_len"
    assert limits["max_output_tokens"] == 8192


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("request_timeout", "20", 20.0),
        ("max_retries", "2", 2),
        ("stream", "false", False),
        ("tool_calls", "text", "text"),
    ],
)
def test_agent_options_are_converted_to_their_types(key: str, value: str, expected: Any) -> None:
    from horizonbench.agents.registry import typed_options

    typed = typed_options("openai", {"model": "m"}, {key: value})
    assert typed[key] == expected and type(typed[key]) is type(expected)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("request_timeout", "soon", "expects float"),
        ("max_retries", "2.5", "expects int"),
        ("tool_calls", "sometimes", "expects Literal"),
        ("observation_chars", "", "expects int"),
    ],
)
def test_a_bad_agent_option_is_a_one_line_error(key: str, value: str, words: str) -> None:
    from horizonbench.agents.registry import typed_options
    from horizonbench.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        typed_options("openai", {}, {key: value})
    message = str(info.value)
    assert "\n" not in message and f"--agent-opt {key}=" in message and words in message


def test_an_option_no_agent_takes_is_refused() -> None:
    from horizonbench.agents.registry import check_explicit
    from horizonbench.errors import ConfigError

    check_explicit(["oracle", "openai"], {"request_timeout": "2"})  # openai takes it
    with pytest.raises(ConfigError, match="no agent of this run takes it"):
        check_explicit(["oracle", "openai"], {"request_timout": "2"})


def test_trajectory_events_are_json_lines(tmp_path: Path) -> None:
    with ScriptedServer([Turn(text=HERMES_SUBMIT)]) as server:
        attempt(server, tmp_path)
    lines = (tmp_path / "trajectory.jsonl").read_text().splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)
