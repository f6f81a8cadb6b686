"""``openai``: any OpenAI-compatible chat-completions endpoint with tool calling
(Z.ai GLM, DeepSeek, Qwen, Kimi, OpenRouter, vLLM, SGLang, Ollama, OpenAI)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from horizonbench.agents.endpoints import Usage
from horizonbench.agents.llm import ELIDED, Completion, LLMAgent, ModelError, ToolCall
from horizonbench.agents.tools import ToolDef, ToolResult

_OVERFLOW_HINTS = ("context length", "context_length", "maximum context", "too many tokens", "prompt is too long")


class OpenAIAgent(LLMAgent):
    name = "openai"
    provider: ClassVar[str] = "openai"
    default_model: ClassVar[str] = "gpt-4.1"

    def _client(self, api_key: str) -> Any:
        import openai  # optional SDKs are imported where used

        # Retries are ours (counted and recorded), so the SDK's are off.
        return openai.AsyncOpenAI(
            api_key=api_key, base_url=self.spec.base_url, max_retries=0, timeout=self.request_timeout
        )

    async def _complete(
        self, client: Any, system: str, messages: list[dict[str, Any]], tools: list[ToolDef]
    ) -> Completion:
        import openai

        try:
            resp = await client.chat.completions.create(
                model=self.spec.model_id,
                messages=[{"role": "system", "content": system}, *messages],
                tools=[
                    {
                        "type": "function",
                        "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                    }
                    for t in tools
                ],
                max_tokens=self.spec.max_output_tokens,
                **self.spec.params,
            )
        except openai.APIStatusError as exc:
            text = _error_text(exc)
            overflow = exc.status_code == 400 and any(h in text.lower() for h in _OVERFLOW_HINTS)
            retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            raise ModelError(f"HTTP {exc.status_code}: {text[:300]}", retryable=retryable, overflow=overflow) from None
        except (openai.APIConnectionError, openai.APIResponseValidationError) as exc:
            raise ModelError(f"{type(exc).__name__}: {exc}", retryable=True) from None
        except ValueError as exc:  # a body that is not JSON (a proxy's error page, a cut-off response)
            raise ModelError(f"unreadable response: {exc}", retryable=True) from None
        if not getattr(resp, "choices", None):
            raise ModelError("response has no choices", retryable=True)
        msg = resp.choices[0].message
        extra = msg.model_extra or {}
        calls = [
            ToolCall(c.id or f"call_{i}", c.function.name, c.function.arguments or "{}")
            for i, c in enumerate(msg.tool_calls or [])
        ]
        u = resp.usage
        cached = 0
        if u is not None and getattr(u, "prompt_tokens_details", None) is not None:
            cached = u.prompt_tokens_details.cached_tokens or 0
        usage = Usage(
            input_tokens=u.prompt_tokens if u else 0,
            cached_input_tokens=cached,
            output_tokens=u.completion_tokens if u else 0,
        )
        reasoning = extra.get("reasoning_content") or extra.get("reasoning")
        return Completion(
            text=msg.content or "",
            tool_calls=calls,
            usage=usage,
            reasoning=reasoning if isinstance(reasoning, str) else None,
            finish_reason=resp.choices[0].finish_reason or "",
        )

    def _assistant(self, completion: Completion) -> dict[str, Any]:
        # reasoning_content is recorded but not sent back: endpoints that return it
        # (DeepSeek, GLM) reject or ignore it in later requests.
        message: dict[str, Any] = {"role": "assistant", "content": completion.text or None}
        if completion.tool_calls:
            message["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {
                        "name": c.name,
                        "arguments": c.arguments if isinstance(c.arguments, str) else json.dumps(c.arguments),
                    },
                }
                for c in completion.tool_calls
            ]
        return message

    def _results(self, results: list[tuple[ToolCall, ToolResult]]) -> list[dict[str, Any]]:
        return [{"role": "tool", "tool_call_id": call.id, "content": res.output} for call, res in results]

    def _elide(self, messages: list[dict[str, Any]]) -> bool:
        for m in messages:
            if m.get("role") == "tool" and m.get("content") != ELIDED:
                m["content"] = ELIDED
                return True
        return False


def _error_text(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return str(err.get("message", err))
        return str(err)
    return str(getattr(exc, "message", exc))
