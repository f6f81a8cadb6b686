"""What a local OpenAI-compatible server says about its limits, and how it says a request was too long.

Limits: llama.cpp's ``llama-server`` reports the context it was started with (``-c``) in
``GET /props``; vLLM and SGLang put ``max_model_len`` on each model of ``GET /v1/models``. A server
that says nothing leaves the limit unknown (None), and the caller falls back to its own settings
(``--context-window``, ``--max-output-tokens``).

Overflow: every server words "the prompt does not fit" differently, and an agent must tell that
(elide old turns and retry) from any other 400 (a bug: stop). :func:`classify_overflow` knows
the wordings below, each taken from the server's own source or a recorded reply.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from horizonbench.agents.endpoints import ModelSpec

log = logging.getLogger(__name__)

# Discovery is best effort and runs before the first model call: a server that is slow to answer
# these cheap endpoints should not hold up the run, so the timeout is short.
DISCOVERY_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ServerLimits:
    """The limits one server reported; None where it said nothing."""

    context_window: int | None
    """Tokens of prompt plus output that fit in one request."""
    max_output_tokens: int | None
    """The server's own cap on generated tokens per request."""
    source: str
    """Which endpoint and field the numbers came from, or "none"."""


UNKNOWN = ServerLimits(None, None, "none")


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def limits_from_props(props: Any) -> ServerLimits | None:
    """Limits from a llama.cpp ``/props`` reply, or None when it is not one.

    ``default_generation_settings.n_ctx`` is the context one slot, so one request, can use. The
    recorded server (started with ``-c 8192``, four slots, a unified KV cache) reports 8192 there;
    builds without a unified cache report ``-c`` divided by the slots. ``params.n_predict`` is -1
    when generation has no cap of its own.
    """
    if not isinstance(props, dict):
        return None
    settings = props.get("default_generation_settings")
    if not isinstance(settings, dict):
        return None
    n_ctx = _positive_int(settings.get("n_ctx"))
    params = settings.get("params")
    n_predict = params.get("n_predict") if isinstance(params, dict) else settings.get("n_predict")
    if n_ctx is None:
        return None
    return ServerLimits(n_ctx, _positive_int(n_predict), "llama.cpp /props")


def limits_from_models(models: Any, model: str | None = None) -> ServerLimits | None:
    """Limits from an OpenAI-style ``/v1/models`` reply that carries ``max_model_len`` (vLLM, SGLang).

    With ``model`` given, that model's entry is used; otherwise the first entry that has a limit.
    Recent llama.cpp servers also list their slot context as ``meta.n_ctx`` here (beside
    ``meta.n_ctx_train``, the training context, which is not what the server was started with and
    is never used). None when no entry has a limit (OpenAI itself).
    """
    data = models.get("data") if isinstance(models, dict) else None
    if not isinstance(data, list):
        return None
    entries = [e for e in data if isinstance(e, dict)]
    if model is not None:
        entries = [e for e in entries if e.get("id") == model] or entries
    for entry in entries:
        n = _positive_int(entry.get("max_model_len"))
        if n is not None:
            return ServerLimits(n, None, "/v1/models max_model_len")
        meta = entry.get("meta")
        n = _positive_int(meta.get("n_ctx")) if isinstance(meta, dict) else None
        if n is not None:
            return ServerLimits(n, None, "llama.cpp /v1/models meta.n_ctx")
    return None


def _get_json(url: str, headers: dict[str, str], timeout: float) -> Any:
    # The standard library, not an HTTP package: the openai SDK's own HTTP client is a transitive
    # dependency whose package name has changed between SDK releases, and two GETs need no more.
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        log.debug("limits: GET %s answered %s", url, exc.code)
    except (OSError, ValueError) as exc:  # refused, timed out, not JSON
        log.debug("limits: GET %s failed: %s", url, exc)
    return None


def _server_root(base_url: str) -> str:
    """``http://host:port`` for a base URL given with or without the ``/v1`` suffix."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def discover_limits(
    base_url: str,
    *,
    model: str | None = None,
    api_key: str | None = None,
    timeout: float = DISCOVERY_TIMEOUT_S,
) -> ServerLimits:
    """Ask the server at ``base_url`` (e.g. ``http://127.0.0.1:8088/v1``) for its limits.

    Tries llama.cpp's ``/props`` first, then ``/v1/models``. Never raises: an unreachable
    server or a reply of another shape gives :data:`UNKNOWN`.
    """
    root = _server_root(base_url)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    found = limits_from_props(_get_json(f"{root}/props", headers, timeout))
    if found is None:
        found = limits_from_models(_get_json(f"{root}/v1/models", headers, timeout), model)
    return found or UNKNOWN


def fit_limits(
    spec: ModelSpec,
    api_key: str,
    context_window: int | None,
    max_output_tokens: int | None,
    seen: MutableMapping[str, ServerLimits],
) -> tuple[ModelSpec, str]:
    """``spec`` with the context window and output cap to work with, and where the window came from.

    The window is the server's where it says (llama.cpp ``/props``, vLLM/SGLang ``max_model_len``),
    else ``context_window`` (``--context-window``), else models.toml's; given both, the smaller.
    The server is asked only when models.toml does not state the window: a self-served endpoint
    (``--base-url``) is where the 128k default is wrong, and a provider's API has nothing to ask.
    ``seen`` caches each server's answer by base URL. The output cap (``max_output_tokens`` or
    models.toml's, within the server's own cap) is lowered to a quarter of the window when it
    would leave the prompt less than half of it.
    """
    server: ServerLimits | None = None
    if "context_window" not in spec.model_fields_set:
        server = seen.get(spec.base_url)
        if server is None:
            server = seen[spec.base_url] = discover_limits(spec.base_url, model=spec.model_id, api_key=api_key)
    window, source = spec.context_window, "models.toml" if "context_window" in spec.model_fields_set else "default"
    if server is not None and server.context_window:
        window, source = server.context_window, server.source
    if context_window and (source in ("default", "models.toml") or context_window < window):
        window, source = context_window, "--context-window"
    output = max_output_tokens or spec.max_output_tokens
    if server is not None and server.max_output_tokens:
        output = min(output, server.max_output_tokens)
    if output * 2 > window:
        output = max(window // 4, 256)
    return spec.model_copy(update={"context_window": window, "max_output_tokens": output}), source


# The wordings of "this request does not fit", by server. Each pattern is matched against the
# lower-cased message (or the whole body when it is not JSON).
OVERFLOW_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # llama.cpp tools/server/server-context.cpp (as vendored by llama-cpp-python 0.3.36), with the
    # type from server-common.cpp: {"code": 400, "message": "request (N tokens) exceeds the
    # available context size (M tokens), try increasing it", "type": "exceed_context_size_error",
    # "n_prompt_tokens": N, "n_ctx": M}; older builds said "the request exceeds the available
    # context size, try increasing it".
    ("llama.cpp", re.compile(r"exceeds the available context size|exceed_context_size_error")),
    # vLLM vllm/entrypoints/openai/serving_engine.py (<= 0.10): "This model's maximum context length
    # is N tokens. However, you requested M tokens (P in the messages, C in the completion)..." and
    # "...However, you requested M tokens in the messages, Please reduce the length of the messages."
    # vLLM vllm/entrypoints/renderer.py (0.11+): "...However, your request has N input tokens.
    # Please reduce the length of the input messages."; vllm/entrypoints/openai/engine/serving.py
    # (0.19): "...However, you requested O output tokens and your prompt contains at least N input
    # tokens, for a total of at least T tokens."; and for max_tokens alone: "'max_tokens' or
    # 'max_completion_tokens' is too large: O. This model's maximum context length is N tokens and
    # your request has P input tokens (O > N - P)." OpenAI used the first wording too.
    ("vllm", re.compile(r"maximum context length is \d+ tokens")),
    # SGLang python/sglang/srt/managers/tokenizer_manager.py: "The input (N tokens) is longer than
    # the model's context length (M tokens)." and "Requested token count exceeds the model's
    # maximum context length of M tokens. You requested a total of T tokens: ..."; its scheduler
    # (managers/scheduler.py, managers/utils.py): "Input length (N tokens) exceeds the maximum
    # allowed length (M tokens). Use a shorter input or enable --allow-auto-truncate."
    ("sglang", re.compile(r"is longer than the model's context length")),
    ("sglang", re.compile(r"exceeds the model's maximum context length")),
    ("sglang", re.compile(r"input length \(\d+ tokens\) exceeds the maximum allowed length")),
    # OpenAI's error code (also passed through by LiteLLM and most gateways).
    ("openai", re.compile(r"context_length_exceeded")),
)

# Statuses an overflow comes with: 400 from all of the above; SGLang's streaming path can put the
# error object in a 200 event stream; some proxies turn it into 413 or 422.
_OVERFLOW_STATUSES = {200, 400, 413, 422}


def _error_text(body_text: str) -> str:
    """The error's message, code and type from an OpenAI-style error body; else the body itself."""
    try:
        body = json.loads(body_text)
    except (json.JSONDecodeError, ValueError):
        return body_text
    err = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(err, dict):
        parts = [err.get("message"), err.get("code"), err.get("type")]
        return " ".join(str(p) for p in parts if p is not None)
    return str(err)


def overflow_server(status: int, body_text: str) -> str | None:
    """Which server's overflow wording ``body_text`` carries ("llama.cpp", "vllm", "sglang",
    "openai"), or None when the reply is not a context overflow."""
    if status not in _OVERFLOW_STATUSES:
        return None
    text = _error_text(body_text).lower()
    for server, pattern in OVERFLOW_PATTERNS:
        if pattern.search(text):
            return server
    return None


def classify_overflow(status: int, body_text: str) -> bool:
    """True when an HTTP reply (status, body) says the request did not fit the context window."""
    return overflow_server(status, body_text) is not None
