"""An example horizonbench adapter, written the way a vendor would write one: its own
loop over the vendor's SDK, with horizonbench's tools, budgets, pricing and recorder."""

from __future__ import annotations

from typing import Any, ClassVar

import openai

from horizonbench.agents.base import AgentOutcome, AgentSandbox, Budget, Recorder, TaskView
from horizonbench.agents.endpoints import Usage, resolve
from horizonbench.agents.tools import ToolBox, tool_defs

SYSTEM = "You are ACME Coder. Use the tools to do the task, check your work, then call submit."


class AcmeAgent:
    name = "acme"
    version = "0.1.0"
    provider: ClassVar[str] = "openai"
    needs_solution: ClassVar[bool] = False

    def __init__(
        self,
        model: str = "acme-coder",
        base_url: str | None = "http://127.0.0.1:8000/v1",
        api_key_env: str = "ACME_API_KEY",
        models_file: str | None = None,
    ) -> None:
        from pathlib import Path

        self.spec = resolve(
            model,
            base_url=base_url,
            api_key_env=api_key_env,
            provider="openai",
            models_file=Path(models_file) if models_file else None,
        )
        self.model = self.spec.name
        self.partial_outcome: AgentOutcome | None = None

    async def run(self, task: TaskView, sandbox: AgentSandbox, budget: Budget, recorder: Recorder) -> AgentOutcome:
        key = self.spec.api_key()
        recorder.add_secret(key)
        # The SDK retries 429 / 5xx / timeouts with backoff.
        client = openai.AsyncOpenAI(api_key=key, base_url=self.spec.base_url, max_retries=4)
        box = ToolBox(sandbox, task.workdir, task.tools, budget.command_timeout_s)
        tools = [
            {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
            for t in tool_defs(task.tools)
        ]
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Working directory: {task.workdir}\n\n{task.instruction}"},
        ]
        usage, cost, steps = Usage(), 0.0, 0

        def outcome(status: str, message: str, limit: str | None = None, infra: bool = False) -> AgentOutcome:
            return AgentOutcome(
                status=status,
                steps=steps,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cached_input_tokens=usage.cached_input_tokens,
                cost_usd=cost,
                message=message,
                limit=limit,
                infra_error=infra,
            )

        while True:
            limit = budget.exhausted(steps, usage.total, cost)
            if limit:
                return outcome("budget_exhausted", f"{limit} budget exhausted", limit)
            try:
                resp = await client.chat.completions.create(model=self.spec.model_id, messages=messages, tools=tools)
            except openai.APIError as exc:
                return outcome("error", f"ACME endpoint failed: {type(exc).__name__}", infra=True)
            steps += 1
            u = resp.usage
            step_usage = Usage(input_tokens=u.prompt_tokens, output_tokens=u.completion_tokens) if u else Usage()
            usage = usage + step_usage
            cost += self.spec.cost(step_usage)
            self.partial_outcome = outcome("timeout", "wall-clock limit", "time")
            msg = resp.choices[0].message
            recorder.record("model_call", step=steps, text=msg.content, usage=step_usage.model_dump())
            messages.append(msg.model_dump(exclude_none=True))
            if not msg.tool_calls:
                messages.append({"role": "user", "content": "Use the tools; call submit when done."})
                continue
            for tc in msg.tool_calls:
                result = await box.call(tc.function.name, tc.function.arguments)
                recorder.record(
                    "tool_call",
                    step=steps,
                    name=tc.function.name,
                    arguments=tc.function.arguments,
                    output=result.output,
                )
                messages.append({"role": "tool", "tool_call_id": tc.id, "content": result.output})
                if result.submitted:
                    return outcome("submitted", result.output)
