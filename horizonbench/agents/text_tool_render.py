"""The text side of tool use for endpoints without (working) tool support: the tool descriptions a
system prompt carries in ``text`` mode, and tool results written back in the form the model used.

The forms follow the models' own chat templates, because a model reads best what it was trained
on: Qwen/Hermes templates return results as ``<tool_response>`` blocks in a user turn, GLM-4.5/4.6
as ``<tool_response>`` blocks after its observation marker, DeepSeek V3 between its
``tool▁output`` markers, and Kimi K2 under a ``## Return of <call id>`` heading. Calls written as
plain or fenced JSON get a plain, labelled block.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from horizonbench.agents.text_tool_calls import TextToolCall

DS_OUTPUTS_BEGIN = "<｜tool▁outputs▁begin｜>"
DS_OUTPUTS_END = "<｜tool▁outputs▁end｜>"
DS_OUTPUT_BEGIN = "<｜tool▁output▁begin｜>"
DS_OUTPUT_END = "<｜tool▁output▁end｜>"


class ToolLike(Protocol):
    """What a tool description needs: the fields of ``agents.tools.ToolDef``."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def parameters(self) -> dict[str, Any]: ...


def render_tools_prompt(tools: Sequence[ToolLike]) -> str:
    """The system-prompt section that describes ``tools`` to a model that gets no ``tools`` field.

    It asks for the ``<tool_call>`` JSON form in nearly the words of the Qwen2.5 chat template
    (the same words llama.cpp puts in the prompt when the request has a ``tools`` field), because
    small models follow the wording they were trained on: with a freer wording that also said
    results come back in ``<tool_response>`` tags, Qwen2.5-Coder-0.5B wrote made-up
    ``<tool_response>`` blocks instead of calls in 3 of 6 recorded replies.
    """
    lines = [
        "# Tools",
        "",
        "You may call one or more of the functions below to help with the request.",
        "",
        "Their signatures are inside <tools></tools> XML tags:",
        "<tools>",
    ]
    for tool in tools:
        spec = {"type": "function", "function": _tool_json(tool)}
        lines.append(json.dumps(spec, ensure_ascii=False))
    lines += [
        "</tools>",
        "",
        "For each function call, return a JSON object with the function's name and arguments inside",
        "<tool_call></tool_call> XML tags:",
        "<tool_call>",
        '{"name": <function-name>, "arguments": <args-json-object>}',
        "</tool_call>",
    ]
    return "\n".join(lines)


def _tool_json(tool: ToolLike) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "parameters": tool.parameters}


def render_tool_results(results: Sequence[tuple[TextToolCall, str]]) -> dict[str, str]:
    """One user message that answers ``results`` (call, output) in the form of their calls.

    All the calls of one reply are answered in one message, as the templates do for parallel
    calls. Raises ValueError for an empty sequence.
    """
    if not results:
        raise ValueError("render_tool_results needs at least one (call, output) pair")
    form = results[0][0].form
    if form in ("hermes", "glm"):
        body = "\n".join(f"<tool_response>\n{out}\n</tool_response>" for _, out in results)
    elif form == "deepseek":
        inner = "\n".join(f"{DS_OUTPUT_BEGIN}{out}{DS_OUTPUT_END}" for _, out in results)
        body = f"{DS_OUTPUTS_BEGIN}{inner}{DS_OUTPUTS_END}"
    elif form == "kimi":
        body = "\n\n".join(
            f"## Return of {call.call_id or f'functions.{call.name}:{i}'}\n{out}"
            for i, (call, out) in enumerate(results)
        )
    else:
        body = "\n\n".join(_plain_result(call, out) for call, out in results)
    return {"role": "user", "content": body}


def render_tool_result(call: TextToolCall, output: str) -> dict[str, str]:
    """A user message that answers one call in its own form."""
    return render_tool_results([(call, output)])


def render_call_error(call: TextToolCall) -> dict[str, str]:
    """A user message that tells the model why a call it wrote was not run.

    Raises ValueError for a call without an error.
    """
    if call.error is None:
        raise ValueError("render_call_error needs a call whose error is set")
    text = f"Your tool call {call.name or '(no name)'} was not run: {call.error}."
    return render_tool_result(call, text)


def _plain_result(call: TextToolCall, output: str) -> str:
    return f"Result of the {call.name} tool call:\n```\n{output}\n```"
