"""``openai``: any OpenAI-compatible chat-completions endpoint with tool calling
(Z.ai GLM, DeepSeek, Qwen, Kimi, OpenRouter, vLLM, SGLang, Ollama, OpenAI)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from horizonbench.agents.endpoints import Usage
from horizonbench.agents.llm import ELIDED, Completion, LLMAgent, ModelError, ToolCall
from horizonbench.agents.server_limits import classify_overflow
from horizonbench.agents.tools import ToolDef, ToolResult

log = logging.getLogger(__name__)

_OVERFLOW_HINTS = ("context length", "context_length", "maximum context", "too many tokens", "prompt is too long")


class OpenAIAgent(LLMAgent):
    """Chat completions, streamed by default.

    ``request_timeout`` is the longest wait for the next bytes of a reply: with streaming that
    is the time between tokens (and before the first one, while the server reads the prompt), so
    a slow but working server is never an error however long its reply; without it
    (``stream=false``, or a server that refuses streams) it is the whole reply.
    """

    name = "openai"
    provider: ClassVar[str] = "openai"
    default_model: ClassVar[str] = "gpt-4.1"

    def __init__(self, model: str | None = None, *, stream: bool = True, **options: Any) -> None:
        super().__init__(model, **options)
        self.stream = stream

    def _client(self, api_key: str) -> Any:
        import openai  # optional SDKs are imported where used

        # Retries are ours (counted and recorded), so the SDK's are off. The SDK's timeout bounds
        # each read of the socket, which is what makes it an idle timeout on a stream.
        return openai.AsyncOpenAI(
            api_key=api_key, base_url=self.spec.base_url, max_retries=0, timeout=self.request_timeout
        )

    async def _complete(
        self, client: Any, system: str, messages: list[dict[str, Any]], tools: list[ToolDef]
    ) -> Completion:
        import openai

        request: dict[str, Any] = {
            "model": self.spec.model_id,
            "messages": [{"role": "system", "content": system}, *messages],
            "max_tokens": self.spec.max_output_tokens,
            **self.spec.params,
        }
        if tools:  # text mode sends none: some servers reject an empty list
            request["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in tools
            ]
        try:
            if self.stream:
                try:
                    return await self._streamed(client, request)
                except ModelError as exc:
                    if not exc.refused_stream:
                        raise
                    log.info("the endpoint refused a streamed request (%s); not streaming from now on", exc)
                    self.stream = False
            return _completion(await client.chat.completions.create(**request))
        except openai.APIStatusError as exc:
            text = _error_text(exc)
            overflow = classify_overflow(exc.status_code, _body_text(exc)) or (
                exc.status_code == 400 and any(h in text.lower() for h in _OVERFLOW_HINTS)
            )
            retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            raise ModelError(f"HTTP {exc.status_code}: {text[:300]}", retryable=retryable, overflow=overflow) from None
        except (openai.APIConnectionError, openai.APIResponseValidationError) as exc:
            raise ModelError(f"{type(exc).__name__}: {exc}", retryable=True) from None
        except ValueError as exc:  # a body that is not JSON (a proxy's error page, a cut-off response)
            raise ModelError(f"unreadable response: {exc}", retryable=True) from None

    async def _streamed(self, client: Any, request: dict[str, Any]) -> Completion:
        """One streamed reply, put together from its chunks.

        Raises:
            ModelError: the server went silent for ``request_timeout`` (retryable), sent an
                error event, or refused streaming (``refused_stream``: then it is asked again
                without).
        """
        import openai

        try:
            stream = await client.chat.completions.create(
                **request, stream=True, stream_options={"include_usage": True}
            )
        except openai.BadRequestError as exc:
            if classify_overflow(400, _body_text(exc)):
                raise
            err = ModelError(f"HTTP 400 to a streamed request: {_error_text(exc)[:200]}")
            err.refused_stream = True
            raise err from None
        parts = _Parts()
        try:
            async for chunk in stream:
                parts.add(chunk)
        except openai.APITimeoutError:
            raise ModelError(f"no token for {self.request_timeout:g} s (stream idle)", retryable=True) from None
        except Exception as exc:
            # Mid-stream, the SDK lets its HTTP client's exceptions through unwrapped; that client's
            # package has changed name between SDK releases, so it is known by its classes' names.
            kinds = {k.__name__ for k in type(exc).__mro__}
            if kinds & {"TimeoutException", "ReadTimeout"}:
                raise ModelError(f"no token for {self.request_timeout:g} s (stream idle)", retryable=True) from None
            if kinds & {"TransportError", "NetworkError", "RemoteProtocolError"}:
                raise ModelError(f"the stream broke off: {type(exc).__name__}: {exc}", retryable=True) from None
            raise
        finally:
            await stream.close()
        return parts.completion()

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


def _body_text(exc: Any) -> str:
    """The raw error body, for matching a server's overflow wording."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict | list):
        return json.dumps(body)
    response = getattr(exc, "response", None)
    try:
        return str(response.text) if response is not None else str(exc)
    except Exception:  # a streamed response whose body was not read
        return str(getattr(exc, "message", exc))


def _usage(u: Any) -> Usage:
    cached = 0
    if u is not None and getattr(u, "prompt_tokens_details", None) is not None:
        cached = u.prompt_tokens_details.cached_tokens or 0
    return Usage(
        input_tokens=u.prompt_tokens if u else 0,
        cached_input_tokens=cached,
        output_tokens=u.completion_tokens if u else 0,
    )


def _reasoning(extra: dict[str, Any]) -> str | None:
    value = extra.get("reasoning_content") or extra.get("reasoning")
    return value if isinstance(value, str) else None


def _completion(resp: Any) -> Completion:
    """A whole (not streamed) reply."""
    if not getattr(resp, "choices", None):
        raise ModelError("response has no choices", retryable=True)
    msg = resp.choices[0].message
    calls = [
        ToolCall(c.id or f"call_{i}", c.function.name, c.function.arguments or "{}")
        for i, c in enumerate(msg.tool_calls or [])
    ]
    return Completion(
        text=msg.content or "",
        tool_calls=calls,
        usage=_usage(resp.usage),
        reasoning=_reasoning(msg.model_extra or {}),
        finish_reason=resp.choices[0].finish_reason or "",
    )


@dataclass
class _Parts:
    """A streamed reply as its chunks arrive: text, reasoning, tool calls by index, usage."""

    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    finish_reason: str = ""
    usage: Any = None
    chunks: int = 0

    def add(self, chunk: Any) -> None:
        self.chunks += 1
        if getattr(chunk, "usage", None) is not None:
            self.usage = chunk.usage
        for choice in chunk.choices or []:
            delta = choice.delta
            if delta is None:
                continue
            if delta.content:
                self.text.append(delta.content)
            reasoning = _reasoning(delta.model_extra or {})
            if reasoning:
                self.reasoning.append(reasoning)
            for tc in delta.tool_calls or []:
                slot = self.calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] = slot["id"] or (tc.id or "")
                if tc.function is not None:
                    slot["name"] = slot["name"] or (tc.function.name or "")
                    slot["arguments"] += tc.function.arguments or ""
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason

    def completion(self) -> Completion:
        if self.chunks == 0:
            raise ModelError("the stream ended without a chunk", retryable=True)
        calls = [
            ToolCall(c["id"] or f"call_{i}", c["name"], c["arguments"] or "{}") for i, c in sorted(self.calls.items())
        ]
        return Completion(
            text="".join(self.text),
            tool_calls=calls,
            usage=_usage(self.usage),
            reasoning="".join(self.reasoning) or None,
            finish_reason=self.finish_reason,
        )
