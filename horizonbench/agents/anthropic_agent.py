"""``anthropic``: the Messages API with tool use (and Anthropic-compatible endpoints)."""

from __future__ import annotations

from typing import Any, ClassVar

from horizonbench.agents.endpoints import Usage
from horizonbench.agents.llm import ELIDED, Completion, LLMAgent, ModelError, ToolCall
from horizonbench.agents.tools import ToolDef, ToolResult

_OVERFLOW_HINTS = ("prompt is too long", "context window", "context length", "too many tokens")


class AnthropicAgent(LLMAgent):
    name = "anthropic"
    provider: ClassVar[str] = "anthropic"
    default_model: ClassVar[str] = "claude-sonnet-4.5"

    def _client(self, api_key: str) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key=api_key, base_url=self.spec.base_url, max_retries=0, timeout=self.request_timeout
        )

    async def _complete(
        self, client: Any, system: str, messages: list[dict[str, Any]], tools: list[ToolDef]
    ) -> Completion:
        import anthropic

        try:
            resp = await client.messages.create(
                model=self.spec.model_id,
                system=system,
                messages=messages,
                tools=[{"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools],
                max_tokens=self.spec.max_output_tokens,
                **self.spec.params,
            )
        except anthropic.APIStatusError as exc:
            text = str(getattr(exc, "message", exc))
            overflow = exc.status_code in (400, 413) and any(h in text.lower() for h in _OVERFLOW_HINTS)
            retryable = exc.status_code in (408, 409, 429, 529) or exc.status_code >= 500
            raise ModelError(f"HTTP {exc.status_code}: {text[:300]}", retryable=retryable, overflow=overflow) from None
        except (anthropic.APIConnectionError, anthropic.APIResponseValidationError) as exc:
            raise ModelError(f"{type(exc).__name__}: {exc}", retryable=True) from None
        except ValueError as exc:  # a body that is not JSON (a proxy's error page, a cut-off response)
            raise ModelError(f"unreadable response: {exc}", retryable=True) from None
        texts, thinking, calls = [], [], []
        blocks: list[dict[str, Any]] = []
        for b in resp.content:
            if b.type == "text":
                texts.append(b.text)
                blocks.append({"type": "text", "text": b.text})
            elif b.type == "tool_use":
                calls.append(ToolCall(b.id, b.name, b.input if isinstance(b.input, dict) else {}))
                blocks.append({"type": "tool_use", "id": b.id, "name": b.name, "input": b.input})
            elif b.type == "thinking":
                thinking.append(b.thinking)
                blocks.append({"type": "thinking", "thinking": b.thinking, "signature": b.signature})
        u = resp.usage
        cache_read = getattr(u, "cache_read_input_tokens", None) or 0
        cache_write = getattr(u, "cache_creation_input_tokens", None) or 0
        usage = Usage(
            input_tokens=u.input_tokens + cache_read + cache_write,
            cached_input_tokens=cache_read,
            output_tokens=u.output_tokens,
        )
        return Completion(
            text="\n".join(texts),
            tool_calls=calls,
            usage=usage,
            reasoning="\n".join(thinking) or None,
            finish_reason=resp.stop_reason or "",
            extra={"blocks": blocks},
        )

    def _assistant(self, completion: Completion) -> dict[str, Any]:
        blocks = completion.extra.get("blocks") or [{"type": "text", "text": completion.text or "(no text)"}]
        return {"role": "assistant", "content": blocks}

    def _results(self, results: list[tuple[ToolCall, ToolResult]]) -> list[dict[str, Any]]:
        return [
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": call.id, "content": res.output, "is_error": res.is_error}
                    for call, res in results
                ],
            }
        ]

    def _elide(self, messages: list[dict[str, Any]]) -> bool:
        for m in messages:
            content = m.get("content")
            if m.get("role") != "user" or not isinstance(content, list):
                continue
            for block in content:
                if block.get("type") == "tool_result" and block.get("content") != ELIDED:
                    block["content"] = ELIDED
                    return True
        return False
