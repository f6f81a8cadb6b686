"""The tool-calling loop shared by the LLM adapters.

A provider subclass says how to call its endpoint and how its messages look; this
module owns the loop: budgets, retries with backoff, malformed tool calls, long
observations, context overflow, and recording every step.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from horizonbench.agents.attempt import AttemptState
from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView
from horizonbench.agents.endpoints import ModelSpec, Usage, resolve
from horizonbench.agents.prompts import Prompts, load_prompts
from horizonbench.agents.server_limits import ServerLimits, fit_limits
from horizonbench.agents.text_tool_calls import TextToolCall, parse_text_tool_calls
from horizonbench.agents.text_tool_render import render_tool_results, render_tools_prompt
from horizonbench.agents.tools import ToolBox, ToolDef, ToolResult, tool_defs

log = logging.getLogger(__name__)

NUDGE = "Continue with the tools; call submit when the task is done."
MAX_IDLE_TURNS = 3

ToolCallMode = Literal["native", "text", "auto"]
"""How tools reach the model and its calls come back: ``native`` (the request's tools field and
the reply's structured tool calls only), ``text`` (tools described in the system prompt, calls
read from the reply's text) or ``auto`` (tools field, and calls written in text are run too)."""

_LIMITS_SEEN: dict[str, ServerLimits] = {}
"""What each server said of its limits, asked once per process and base URL."""


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str | dict[str, Any]
    form: str = "native"
    """How the model wrote the call: ``native`` (the structured field) or the text form it used
    (``json``, ``fenced``, ``hermes``, ``glm``, ``deepseek``, ``kimi``)."""
    written: TextToolCall | None = None
    """The call as found in the text, for answering it in the same form."""


@dataclass
class Completion:
    text: str
    tool_calls: list[ToolCall]
    usage: Usage
    reasoning: str | None = None
    finish_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class ModelError(Exception):
    """A failed model call, classified."""

    def __init__(self, message: str, *, retryable: bool = False, overflow: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.overflow = overflow
        self.refused_stream = False
        """The endpoint refused a streamed request (asked again without streaming)."""


class LLMAgent:
    """Base of the ``openai`` and ``anthropic`` adapters."""

    name = "llm"
    version = "1"
    needs_solution: ClassVar[bool] = False
    default_model: ClassVar[str] = ""

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key_env: str | None = None,
        models_file: str | Path | None = None,
        prompt_dir: str | Path | None = None,
        max_retries: int = 5,
        retry_base_delay: float = 1.0,
        request_timeout: float = 120.0,
        observation_chars: int = 16000,
        tool_calls: ToolCallMode = "auto",
        context_window: int | None = None,
        max_output_tokens: int | None = None,
    ) -> None:
        self.spec: ModelSpec = resolve(
            model or self.default_model,
            models_file=Path(models_file) if models_file else None,
            base_url=base_url,
            api_key_env=api_key_env,
            provider=self.provider,
        )
        self.spec.api_key()  # a missing key is a clear error before any trial starts
        self.model = self.spec.name
        self.prompts: Prompts = load_prompts(prompt_dir)
        self.max_retries = max_retries
        self.retry_base_delay = retry_base_delay
        self.request_timeout = request_timeout
        self.observation_chars = observation_chars
        self.tool_calls = tool_calls
        self.context_window = context_window
        self.max_output_tokens = max_output_tokens
        self.limits_source = "models.toml"
        self.partial_outcome: AgentOutcome | None = None

    provider: ClassVar[str] = ""

    # -- provider hooks ------------------------------------------------------------

    def _client(self, api_key: str) -> Any:
        raise NotImplementedError

    async def _complete(
        self, client: Any, system: str, messages: list[dict[str, Any]], tools: list[ToolDef]
    ) -> Completion:
        raise NotImplementedError

    def _assistant(self, completion: Completion) -> dict[str, Any]:
        raise NotImplementedError

    def _results(self, results: list[tuple[ToolCall, ToolResult]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _user(self, text: str) -> dict[str, Any]:
        return {"role": "user", "content": text}

    def _elide(self, messages: list[dict[str, Any]]) -> bool:
        """Replace the oldest tool observation still present by a stub; False when none is left."""
        raise NotImplementedError

    # -- limits --------------------------------------------------------------------

    def _apply_limits(self, api_key: str) -> None:
        """The context window and output cap this attempt works with (see :func:`fit_limits`)."""
        self.spec, self.limits_source = fit_limits(
            self.spec, api_key, self.context_window, self.max_output_tokens, _LIMITS_SEEN
        )

    # -- the loop ------------------------------------------------------------------

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        api_key = self.spec.api_key()
        recorder.add_secret(api_key)
        await asyncio.to_thread(self._apply_limits, api_key)
        client = self._client(api_key)
        try:
            return await self._loop(client, task, sandbox, budget, recorder)
        finally:
            # Close the HTTP client inside the event loop that opened it (not at exit).
            await client.close()

    async def _loop(
        self, client: Any, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder
    ) -> AgentOutcome:
        episode = self._begin(client, task, sandbox, budget, recorder)
        while True:
            outcome = await self._step(episode)
            if outcome is not None:
                return outcome

    def _begin(
        self, client: Any, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder
    ) -> _Episode:
        """The first message (the task's instance prompt), the tools, and a ``start`` event."""
        tools = tool_defs(task.tools)
        box = ToolBox(sandbox, task.workdir, task.tools, budget.command_timeout_s, self.observation_chars)
        instance = self.prompts.render_instance(instruction=task.instruction, workdir=task.workdir, task_name=task.name)
        system = self.prompts.system
        if self.tool_calls == "text":  # the endpoint gets no tools field: the prompt describes them
            system = f"{system}\n\n{render_tools_prompt(tools)}"
        recorder.record(
            "start",
            model=self.spec.name,
            model_id=self.spec.model_id,
            base_url=self.spec.base_url,
            provider=self.provider,
            prompts=self.prompts.hashes,
            tools=[t.name for t in tools],
            tool_calls=self.tool_calls,
            limits={
                "context_window": self.spec.context_window,
                "max_output_tokens": self.spec.max_output_tokens,
                "source": self.limits_source,
            },
        )
        return _Episode(client, box, tools, system, [self._user(instance)], budget, recorder)

    async def _step(self, ep: _Episode) -> AgentOutcome | None:
        """One model turn and the tool calls it asked for; the outcome once the attempt ends."""
        state = ep.state
        limit = state.limit_reached(ep.budget)
        if limit:
            return state.outcome("budget_exhausted", f"{limit} budget exhausted", limit=limit)
        try:
            completion = await self._call(ep.client, ep.system, ep.messages, ep.tools, ep.recorder, state)
        except ModelError as exc:
            ep.recorder.record("model_error", error=str(exc))
            ep.recorder.log(f"model error: {exc}")
            return state.outcome("error", f"model endpoint failed: {exc}", infra=True)
        state.steps += 1
        state.usage = state.usage + completion.usage
        state.cost += self.spec.cost(completion.usage)
        self.partial_outcome = state.outcome("timeout", "stopped by the wall-clock limit", limit="time")
        ep.messages.append(self._assistant(completion))
        if completion.text:
            ep.recorder.log(f"assistant: {completion.text}")
        calls, problems = completion.tool_calls, list[TextToolCall]()
        if not calls and self.tool_calls != "native" and completion.text:
            calls, problems = self._text_calls(ep, completion.text)
        if not calls and not problems:
            ep.idle += 1
            if ep.idle >= MAX_IDLE_TURNS:
                return state.outcome("finished", completion.text[:500] or "stopped calling tools")
            ep.messages.append(self._user(NUDGE))
            return None
        ep.idle = 0
        state.malformed += len(problems)
        results, submitted = await self._execute(ep, calls)
        if completion.tool_calls:
            ep.messages.extend(self._results(results))
        else:  # answered in the form the model wrote its calls in, the errors too
            answers = [(c.written, r.output) for c, r in results if c.written is not None]
            answers += [(p, f"Your tool call {p.name or '(no name)'} was not run: {p.error}.") for p in problems]
            ep.messages.append(render_tool_results(sorted(answers, key=lambda a: a[0].span)))
        return state.outcome("submitted", submitted.output[:500]) if submitted is not None else None

    def _text_calls(self, ep: _Episode, text: str) -> tuple[list[ToolCall], list[TextToolCall]]:
        """The tool calls written in a reply's text: those that can run, and those that cannot."""
        schemas = {t.name: t.parameters for t in ep.tools}
        parsed = parse_text_tool_calls(text, schemas.keys(), schemas)
        if parsed.calls:
            ep.recorder.record(
                "text_tool_calls",
                step=ep.state.steps,
                forms=[c.form for c in parsed.calls],
                problems=[c.error for c in parsed.problems],
            )
        calls = [
            ToolCall(c.call_id or f"text_{ep.state.steps}_{i}", c.name, c.arguments, form=c.form, written=c)
            for i, c in enumerate(parsed.valid)
        ]
        return calls, parsed.problems

    async def _execute(
        self, ep: _Episode, calls: list[ToolCall]
    ) -> tuple[list[tuple[ToolCall, ToolResult]], ToolResult | None]:
        """Run the calls in order; those after a ``submit`` are answered without running."""
        results: list[tuple[ToolCall, ToolResult]] = []
        submitted: ToolResult | None = None
        for call in calls:
            if submitted is not None:
                results.append((call, ToolResult("not run: submit was called first", True)))
                continue
            res = await self._run_tool(ep, call)
            results.append((call, res))
            if res.submitted:
                submitted = res
        return results, submitted

    async def _run_tool(self, ep: _Episode, call: ToolCall) -> ToolResult:
        t0 = time.monotonic()
        res = await ep.box.call(call.name, call.arguments)
        ep.state.malformed += res.malformed
        ep.recorder.record(
            "tool_call",
            step=ep.state.steps,
            id=call.id,
            name=call.name,
            form=call.form,
            arguments=_as_object(call.arguments),
            output=res.output,
            is_error=res.is_error,
            malformed=res.malformed,
            seconds=round(time.monotonic() - t0, 3),
        )
        ep.recorder.log(f"[{call.name}] {json.dumps(call.arguments)[:2000]}\n{res.output}")
        return res

    async def _call(
        self,
        client: Any,
        system: str,
        messages: list[dict[str, Any]],
        tools: list[ToolDef],
        recorder: Recorder,
        state: AttemptState,
    ) -> Completion:
        """One model call with retries (429, 5xx, timeouts, dropped connections) and
        context-overflow handling (oldest observations elided, then retried)."""
        attempt = 0
        while True:
            self._fit_context(system, messages, recorder)
            t0 = time.monotonic()
            try:
                completion = await self._complete(client, system, messages, [] if self.tool_calls == "text" else tools)
            except ModelError as exc:
                if exc.overflow and self._elide(messages):
                    recorder.record("context_overflow", action="elided oldest observation")
                    continue
                attempt += 1
                state.retries += 1
                if not exc.retryable or attempt > self.max_retries:
                    raise
                delay = min(self.retry_base_delay * 2 ** (attempt - 1), 30.0) * (0.5 + random.random() / 2)
                recorder.record("retry", attempt=attempt, error=str(exc), delay=round(delay, 2))
                log.info("model call failed (%s); retry %d in %.1f s", exc, attempt, delay)
                await asyncio.sleep(delay)
                continue
            recorder.record(
                "model_call",
                step=state.steps + 1,
                latency=round(time.monotonic() - t0, 3),
                text=completion.text,
                reasoning=completion.reasoning,
                tool_calls=[{"id": c.id, "name": c.name, "arguments": c.arguments} for c in completion.tool_calls],
                usage=completion.usage.model_dump(),
                cost=self.spec.cost(completion.usage),
                finish_reason=completion.finish_reason,
            )
            return completion

    def _fit_context(self, system: str, messages: list[dict[str, Any]], recorder: Recorder) -> None:
        # ~4 characters a token: elide old observations before the endpoint refuses.
        budget = int(self.spec.context_window * 0.9) - self.spec.max_output_tokens
        while (len(system) + len(json.dumps(messages, default=str))) // 4 > budget:
            if not self._elide(messages):
                return
            recorder.record("context_overflow", action="elided oldest observation (estimate)")


@dataclass
class _Episode:
    """One attempt's conversation: what each step reads and extends."""

    client: Any
    box: ToolBox
    tools: list[ToolDef]
    system: str
    messages: list[dict[str, Any]]
    budget: Budget
    recorder: Recorder
    state: AttemptState = field(default_factory=AttemptState)
    idle: int = 0
    """Turns in a row without a tool call."""


ELIDED = "[observation elided to fit the context window]"


def _as_object(arguments: str | dict[str, Any]) -> str | dict[str, Any]:
    """Arguments as a JSON object when they parse (raw text when malformed, as sent)."""
    if isinstance(arguments, dict):
        return arguments
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError:
        return arguments
    return parsed if isinstance(parsed, dict) else arguments
