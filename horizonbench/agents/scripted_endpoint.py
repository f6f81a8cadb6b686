"""A scripted model endpoint: a real HTTP server on 127.0.0.1 that speaks the OpenAI
chat-completions and Anthropic messages wire protocols and answers from a script.

It lets adapters be tested (and vendors' adapters verified) with the real SDKs as
clients, without a model: each conversation gets the script's turn for its step (the
number of assistant messages so far), so concurrent conversations do not interfere.
Faults (429, 500, timeouts, dropped connections, malformed tool arguments) can be
injected for the next requests.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Turn:
    """What the model says at one step."""

    tool_calls: list[tuple[str, dict[str, Any] | str]] = field(default_factory=list)
    """(tool name, arguments); a string is sent as raw (possibly malformed) JSON."""
    text: str = ""


def call(name: str, **arguments: Any) -> Turn:
    return Turn(tool_calls=[(name, arguments)])


Script = list[Turn] | Callable[[dict[str, Any], str, int], Turn]
"""A list indexed by conversation step, or ``f(request, protocol, step) -> Turn``."""

FAULTS = ("429", "500", "529", "timeout", "drop", "garbage", "stall", "overflow")
"""``stall``: a streamed reply that sends its first chunk and then nothing for ``hang_seconds``;
``overflow``: llama.cpp's reply to a prompt longer than its context."""

LLAMA_CPP_OVERFLOW = {
    "error": {
        "code": 400,
        "message": "request (16413 tokens) exceeds the available context size (8192 tokens), try increasing it",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 16413,
        "n_ctx": 8192,
    }
}
"""The body llama.cpp's llama-server (llama-cpp-python 0.3.36) answers an over-long prompt with."""


class ScriptedServer:
    """``with ScriptedServer(script) as s:`` then point an SDK at ``s.openai_url`` or
    ``s.anthropic_url``."""

    def __init__(
        self,
        script: Script,
        *,
        delay: float = 0.0,
        hang_seconds: float = 30.0,
        chunk_delay: float = 0.0,
        info: dict[str, Any] | None = None,
    ) -> None:
        self.script = script
        self.info = info or {}
        """Replies to GET requests by path (``/props``, ``/v1/models``), as a local server's limits."""
        self.delay = delay
        self.chunk_delay = chunk_delay
        """Seconds between the chunks of a streamed reply (``stream: true``), as a slow server."""
        self.hang_seconds = hang_seconds
        self.faults: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="scripted-endpoint", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, *faults: str) -> None:
        """Make the next requests fail like this, one fault per request, in order."""
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; one of {FAULTS}")
        with self._lock:
            self.faults.extend(faults)

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- answers -------------------------------------------------------------------

    def _turn(self, body: dict[str, Any], protocol: str) -> Turn:
        step = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
        if callable(self.script):
            return self.script(body, protocol, step)
        if step < len(self.script):
            return self.script[step]
        return call("submit", summary="script finished")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                reply = server.info.get(self.path.rstrip("/"))
                if reply is None:
                    return self._send(404, {"error": {"message": f"no {self.path} here", "type": "not_found"}})
                self._send(200, reply)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    return self._send(400, {"error": {"message": "request body is not JSON"}})
                protocol = "anthropic" if self.path.rstrip("/").endswith("/messages") else "openai"
                with server._lock:
                    server.requests.append(body)
                    server.auth_headers.append(self.headers.get("Authorization") or self.headers.get("x-api-key") or "")
                    fault = server.faults.pop(0) if server.faults else None
                streamed = protocol == "openai" and bool(body.get("stream"))
                if fault and not (fault == "stall" and streamed):
                    return self._fault(fault, protocol)
                if server.delay:
                    time.sleep(server.delay)
                turn = server._turn(body, protocol)
                payload = _openai(body, turn) if protocol == "openai" else _anthropic(body, turn)
                if streamed:
                    return self._stream(payload, body, stall=fault == "stall")
                self._send(200, payload)

            def _stream(self, payload: dict[str, Any], body: dict[str, Any], *, stall: bool) -> None:
                """The reply as server-sent events, the way OpenAI-compatible servers stream."""
                chunks = _openai_chunks(payload, bool((body.get("stream_options") or {}).get("include_usage")))
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for i, chunk in enumerate(chunks):
                        if i and server.chunk_delay:
                            time.sleep(server.chunk_delay)
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                        if stall:
                            time.sleep(server.hang_seconds)
                            break
                    else:
                        self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def _fault(self, fault: str, protocol: str) -> None:
                if fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault in ("timeout", "stall"):
                    time.sleep(server.hang_seconds)
                    self.close_connection = True
                    return
                if fault == "garbage":
                    return self._send_raw(200, b'{"choices": [ not json')
                if fault == "overflow":
                    return self._send(400, LLAMA_CPP_OVERFLOW)
                status = int(fault)
                kind = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}[status]
                if protocol == "anthropic":
                    return self._send(
                        status, {"type": "error", "error": {"type": kind, "message": f"injected {fault}"}}
                    )
                self._send(status, {"error": {"message": f"injected {fault}", "type": kind, "code": status}})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                self._send_raw(status, json.dumps(payload).encode())

            def _send_raw(self, status: int, data: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def _tokens(obj: Any) -> int:
    return max(1, len(json.dumps(obj, default=str)) // 4)


def _openai(body: dict[str, Any], turn: Turn) -> dict[str, Any]:
    calls = [
        {
            "id": f"call_{uuid.uuid4().hex[:12]}",
            "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
        }
        for name, args in turn.tool_calls
    ]
    message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if calls:
        message["tool_calls"] = calls
    prompt, completion = _tokens(body.get("messages", [])), _tokens(message)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": prompt // 2},
        },
    }


def _openai_chunks(payload: dict[str, Any], include_usage: bool) -> list[dict[str, Any]]:
    """A chat completion cut into stream chunks: the role, the text a few characters at a time,
    each tool call's name and then its arguments in two pieces, the finish, then the usage."""
    choice = payload["choices"][0]
    message = choice["message"]
    head = {k: payload[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return head | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    text = message.get("content") or ""
    chunks += [chunk({"content": text[i : i + 8]}) for i in range(0, len(text), 8)]
    for i, call in enumerate(message.get("tool_calls") or []):
        args = call["function"]["arguments"]
        half = len(args) // 2
        first = {"index": i, "id": call["id"], "type": "function", "function": {"name": call["function"]["name"]}}
        chunks.append(chunk({"tool_calls": [first]}))
        for piece in (args[:half], args[half:]):
            chunks.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    chunks.append(chunk({}, choice["finish_reason"]))
    if include_usage:
        chunks.append(head | {"choices": [], "usage": payload["usage"]})
    return chunks


def _anthropic(body: dict[str, Any], turn: Turn) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if turn.text:
        content.append({"type": "text", "text": turn.text})
    for name, args in turn.tool_calls:
        parsed: Any = args
        if isinstance(args, str):
            try:
                parsed = json.loads(args)
            except json.JSONDecodeError:
                parsed = {"_raw": args}
        content.append({"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:12]}", "name": name, "input": parsed})
    prompt, completion = _tokens([body.get("system"), body.get("messages", [])]), _tokens(content)
    return {
        "id": f"msg_{uuid.uuid4().hex[:12]}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "scripted"),
        "content": content,
        "stop_reason": "tool_use" if turn.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": prompt, "output_tokens": completion, "cache_read_input_tokens": 0},
    }
