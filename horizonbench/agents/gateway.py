"""The model gateway: how an agent CLI inside a network-less sandbox reaches its model.

The harness runs an HTTP server on a unix socket in a host directory that is mounted
into the container; inside, socat bridges ``127.0.0.1:PORT`` to that socket. The gateway
forwards OpenAI-style (``.../chat/completions``) and Anthropic-style (``.../messages``)
requests to the configured endpoint with the real API key (the agent only ever holds a
dummy one), meters tokens and dollars, enforces the budget, and records every exchange.
"""

from __future__ import annotations

import json
import logging
import socketserver
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from horizonbench.agents.base import Budget, Recorder
from horizonbench.agents.endpoints import ModelSpec, Usage
from horizonbench.agents.text_tool_calls import parse_text_tool_calls

log = logging.getLogger(__name__)

SOCKET_NAME = "gateway.sock"
CONTAINER_DIR = "/run/hb-gateway"
DUMMY_KEY = "hb-gateway-no-key-here"


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class ModelGateway:
    """Forwards, meters and limits model calls for one trial."""

    def __init__(
        self,
        spec: ModelSpec,
        api_key: str,
        budget: Budget,
        recorder: Recorder,
        directory: Path,
        *,
        text_tool_calls: bool = True,
    ) -> None:
        self.spec = spec
        self.text_tool_calls = text_tool_calls
        """Turn tool calls a model wrote in its text into structured ``tool_calls`` (OpenAI protocol)."""
        self._api_key = api_key
        self.budget = budget
        self.recorder = recorder
        self.socket_path = directory / SOCKET_NAME
        self.usage = Usage()
        self.cost = 0.0
        self.calls = 0
        self.failures = 0
        self.limit: str | None = None
        self.refused = threading.Event()
        """Set once a request was refused for budget: the agent using this gateway should stop."""
        self._lock = threading.Lock()
        self._server: _UnixHTTPServer | None = None

    def start(self) -> ModelGateway:
        if self.socket_path.exists():
            self.socket_path.unlink()
        self._server = _UnixHTTPServer(str(self.socket_path), self._handler())
        self.socket_path.chmod(0o666)
        threading.Thread(target=self._server.serve_forever, name="model-gateway", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _limit_reached(self) -> str | None:
        return self.budget.exhausted(self.calls, self.usage.total, self.cost)

    def _upstream(self, path: str) -> tuple[str, str] | None:
        base = self.spec.base_url.rstrip("/")
        if path.rstrip("/").endswith("/chat/completions"):
            return "openai", f"{base}/chat/completions"
        if path.rstrip("/").endswith("/messages"):
            return "anthropic", (f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages")
        return None

    def forward(self, path: str, body: bytes) -> tuple[int, bytes]:
        """Forward one request; returns (status, response body)."""
        target = self._upstream(path)
        if target is None:
            return 404, _error(f"the gateway serves only chat/completions and messages, not {path}")
        protocol, url = target
        try:
            request = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return 400, _error("request body is not JSON")
        if request.get("stream"):
            return 400, _error("streaming is not supported by the model gateway; send stream=false")
        with self._lock:
            limit = self._limit_reached()
            if limit:
                self.limit = limit
        if limit:
            self.refused.set()
            self.recorder.record("gateway_refused", reason=f"{limit} budget exhausted")
            return 400, _error(f"budget exhausted: {limit}", "budget_exhausted")
        request["model"] = self.spec.model_id  # the run's model, whatever the CLI asks for
        headers = {"Content-Type": "application/json"}
        if protocol == "openai":
            headers["Authorization"] = f"Bearer {self._api_key}"
        else:
            headers["x-api-key"] = self._api_key
            headers["anthropic-version"] = "2023-06-01"
        t0 = time.monotonic()
        req = urllib.request.Request(url, data=json.dumps(request).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=600) as resp:
                status, data = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            with self._lock:
                self.failures += 1
            self.recorder.record("gateway_error", url=url, error=str(exc))
            return 502, _error(f"the model endpoint is unreachable: {exc}")
        if status == 200 and protocol == "openai" and self.text_tool_calls and request.get("tools"):
            data = self._structure_text_calls(request, data)
        usage = _usage(protocol, data) if status == 200 else Usage()
        cost = self.spec.cost(usage)
        with self._lock:
            self.calls += status == 200
            self.failures += status != 200
            self.usage = self.usage + usage
            self.cost += cost
        self.recorder.record(
            "gateway_exchange",
            protocol=protocol,
            status=status,
            latency=round(time.monotonic() - t0, 3),
            request_messages=len(request.get("messages", [])),
            request=request.get("messages", [])[-2:],
            response=_safe_json(data),
            usage=usage.model_dump(),
            cost=cost,
        )
        return status, data

    def _structure_text_calls(self, request: dict[str, Any], data: bytes) -> bytes:
        """The reply with calls written in its text moved into ``tool_calls``, so an agent CLI that
        reads only the structured field works with a model served without a tool-call parser."""
        try:
            reply = json.loads(data)
            message = reply["choices"][0]["message"]
        except (json.JSONDecodeError, KeyError, IndexError, TypeError):
            return data
        text = message.get("content")
        if message.get("tool_calls") or not isinstance(text, str) or not text:
            return data
        schemas = {
            t["function"]["name"]: t["function"].get("parameters") or {}
            for t in request["tools"]
            if isinstance(t, dict) and isinstance(t.get("function"), dict) and "name" in t["function"]
        }
        parsed = parse_text_tool_calls(text, schemas.keys(), schemas)
        if not parsed.valid:
            return data
        message["tool_calls"] = [
            {
                "id": c.call_id or f"call_text_{i}",
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for i, c in enumerate(parsed.valid)
        ]
        message["content"] = parsed.text.strip() or None
        reply["choices"][0]["finish_reason"] = "tool_calls"
        self.recorder.record(
            "gateway_text_tool_calls",
            forms=[c.form for c in parsed.valid],
            names=[c.name for c in parsed.valid],
            problems=[c.error for c in parsed.problems],
        )
        return json.dumps(reply).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def address_string(self) -> str:
                return "sandbox"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, data = gateway.forward(self.path, self.rfile.read(length))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def _error(message: str, kind: str = "gateway_error") -> bytes:
    return json.dumps({"error": {"message": message, "type": kind}, "type": "error"}).encode()


def _safe_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return data[:2000].decode("utf-8", errors="replace")


def _usage(protocol: str, data: bytes) -> Usage:
    try:
        u = json.loads(data).get("usage") or {}
    except (json.JSONDecodeError, AttributeError):
        return Usage()
    if protocol == "openai":
        details = u.get("prompt_tokens_details") or {}
        return Usage(
            input_tokens=int(u.get("prompt_tokens") or 0),
            cached_input_tokens=int(details.get("cached_tokens") or 0),
            output_tokens=int(u.get("completion_tokens") or 0),
        )
    read = int(u.get("cache_read_input_tokens") or 0)
    write = int(u.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=int(u.get("input_tokens") or 0) + read + write,
        cached_input_tokens=read,
        output_tokens=int(u.get("output_tokens") or 0),
    )
