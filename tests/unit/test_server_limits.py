"""Limits discovery and overflow recognition, against a real HTTP server on 127.0.0.1 that serves
replies recorded from a real llama-server (tests/fixtures/real_model/) and vLLM's and SGLang's
replies as their source writes them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.server_limits import (
    UNKNOWN,
    ServerLimits,
    classify_overflow,
    discover_limits,
    limits_from_models,
    limits_from_props,
    overflow_server,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "real_model"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


# Not recorded (no vLLM or SGLang runs here): the shape of their /v1/models replies as their
# ModelCard classes write them (vllm/entrypoints/openai/protocol.py, SGLang's
# python/sglang/srt/entrypoints/openai/protocol.py), both with max_model_len.
VLLM_MODELS = {
    "object": "list",
    "data": [
        {
            "id": "Qwen/Qwen2.5-Coder-0.5B-Instruct",
            "object": "model",
            "created": 1764662400,
            "owned_by": "vllm",
            "root": "Qwen/Qwen2.5-Coder-0.5B-Instruct",
            "parent": None,
            "max_model_len": 32768,
            "permission": [],
        }
    ],
}
SGLANG_MODELS = {
    "object": "list",
    "data": [
        {
            "id": "default",
            "object": "model",
            "created": 1764662400,
            "owned_by": "sglang",
            "root": "default",
            "max_model_len": 16384,
        }
    ],
}
OPENAI_MODELS = {"object": "list", "data": [{"id": "gpt-x", "object": "model", "created": 1, "owned_by": "openai"}]}


Route = tuple[int, str]


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Route] = {}
    seen: list[tuple[str, str]] = []

    def _reply(self) -> None:
        self.seen.append((self.command, self.path))
        status, body = self.routes.get(self.path, (404, '{"error": {"code": 404, "message": "File Not Found"}}'))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _reply
    do_POST = _reply

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server:
    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"routes": {}, "seen": []})
        self.handler: type[_Handler] = handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def serve(self, path: str, body: Any, status: int = 200) -> None:
        self.handler.routes[path] = (status, body if isinstance(body, str) else json.dumps(body))

    @property
    def seen(self) -> list[tuple[str, str]]:
        return self.handler.seen

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


# -- discovery ---------------------------------------------------------------------------------


def test_llama_cpp_props_give_the_slot_context(server: Server) -> None:
    props = recorded("props")["body"]
    server.serve("/props", props)
    limits = discover_limits(f"{server.url}/v1")
    # The recorded server ran with -c 8192 and one slot.
    assert limits == ServerLimits(8192, None, "llama.cpp /props")
    assert props["default_generation_settings"]["n_ctx"] == 8192
    assert server.seen == [("GET", "/props")]


def test_llama_cpp_v1_models_alone_gives_meta_n_ctx_not_the_training_context(server: Server) -> None:
    models = recorded("models")["body"]
    server.serve("/v1/models", models)  # /props answers 404 here
    limits = discover_limits(server.url)
    meta = models["data"][0]["meta"]
    assert meta["n_ctx_train"] != meta["n_ctx"]
    assert limits.context_window == meta["n_ctx"] == 8192
    assert server.seen == [("GET", "/props"), ("GET", "/v1/models")]


@pytest.mark.parametrize(("models", "expected"), [(VLLM_MODELS, 32768), (SGLANG_MODELS, 16384)])
def test_vllm_and_sglang_max_model_len(server: Server, models: dict[str, Any], expected: int) -> None:
    server.serve("/v1/models", models)
    assert discover_limits(f"{server.url}/v1/") == ServerLimits(expected, None, "/v1/models max_model_len")


def test_the_named_model_s_entry_is_used() -> None:
    models = {
        "data": [
            {"id": "small", "max_model_len": 4096},
            {"id": "big", "max_model_len": 131072},
        ]
    }
    limits = limits_from_models(models, "big")
    assert limits is not None and limits.context_window == 131072
    first = limits_from_models(models)
    assert first is not None and first.context_window == 4096


def test_a_server_that_says_nothing_gives_unknown(server: Server) -> None:
    server.serve("/v1/models", OPENAI_MODELS)
    assert discover_limits(server.url) is UNKNOWN


def test_an_unreachable_server_gives_unknown() -> None:
    s = Server()
    url = s.url
    s.close()  # nothing listens there any more
    assert discover_limits(url, timeout=2) is UNKNOWN


def test_replies_of_another_shape_give_unknown(server: Server) -> None:
    server.serve("/props", "<html>not json</html>")
    server.serve("/v1/models", {"data": "nope"})
    assert discover_limits(server.url) is UNKNOWN
    assert limits_from_props({"default_generation_settings": {"n_ctx": 0}}) is None
    assert limits_from_props({"default_generation_settings": {"n_ctx": True}}) is None


def test_output_limit_from_props_when_n_predict_is_set() -> None:
    props = recorded("props")["body"]
    props["default_generation_settings"]["params"]["n_predict"] = 512
    assert limits_from_props(props) == ServerLimits(8192, 512, "llama.cpp /props")


def test_the_api_key_is_sent(server: Server) -> None:
    seen: list[str | None] = []

    class KeyHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            data = json.dumps(VLLM_MODELS).encode()
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), KeyHandler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        limits = discover_limits(f"http://127.0.0.1:{httpd.server_address[1]}/v1", api_key="sk-local")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert limits.context_window == 32768
    assert seen == ["Bearer sk-local", "Bearer sk-local"]


# -- overflow ----------------------------------------------------------------------------------


def test_the_recorded_llama_cpp_overflow_is_recognised_over_http(server: Server) -> None:
    rec = recorded("overflow")
    server.serve("/v1/chat/completions", rec["body_text"], status=rec["status"])
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{server.url}/v1/chat/completions", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    status, body = caught.value.code, caught.value.read().decode()
    assert status == 400
    assert json.loads(body)["error"]["type"] == "exceed_context_size_error"
    assert classify_overflow(status, body)
    assert overflow_server(status, body) == "llama.cpp"


# vLLM's and SGLang's wordings as their source writes them (see server_limits.OVERFLOW_PATTERNS
# for the files), in the error bodies those servers send.
def _vllm_old(message: str) -> str:
    return json.dumps({"object": "error", "message": message, "type": "BadRequestError", "param": None, "code": 400})


def _vllm_new(message: str) -> str:
    return json.dumps({"error": {"message": message, "type": "BadRequestError", "param": "input_tokens", "code": 400}})


OVERFLOWS = [
    (
        "vllm",
        _vllm_old(
            "This model's maximum context length is 8192 tokens. However, you requested 9224 tokens "
            "(1224 in the messages, 8000 in the completion). Please reduce the length of the messages or completion."
        ),
    ),
    (
        "vllm",
        _vllm_old(
            "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens in the "
            "messages, Please reduce the length of the messages."
        ),
    ),
    (
        "vllm",
        _vllm_new(
            "This model's maximum context length is 32768 tokens. However, your request has 40000 input "
            "tokens. Please reduce the length of the input messages."
        ),
    ),
    (
        "vllm",
        _vllm_new(
            "This model's maximum context length is 32768 tokens. However, you requested 32000 output tokens "
            "and your prompt contains at least 769 input tokens, for a total of at least 32769 tokens. Please "
            "reduce the length of the input prompt or the number of requested output tokens. "
            "(parameter=input_tokens, value=769)"
        ),
    ),
    (
        "vllm",
        _vllm_new(
            "'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length "
            "is 4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778)."
        ),
    ),
    (
        "sglang",
        _vllm_old("The input (12345 tokens) is longer than the model's context length (8192 tokens)."),
    ),
    (
        "sglang",
        _vllm_old(
            "Requested token count exceeds the model's maximum context length of 8192 tokens. You requested a "
            "total of 9000 tokens: 1000 tokens from the input messages and 8000 tokens for the completion. "
            "Please reduce the number of tokens in the input messages or the completion to fit within the limit."
        ),
    ),
    (
        "sglang",
        _vllm_old(
            "Input length (40000 tokens) exceeds the maximum allowed length (32762 tokens). Use a shorter "
            "input or enable --allow-auto-truncate."
        ),
    ),
    (
        "openai",
        json.dumps(
            {
                "error": {
                    "message": "Your input exceeds the context window of this model.",
                    "type": "invalid_request_error",
                    "param": "input",
                    "code": "context_length_exceeded",
                }
            }
        ),
    ),
    (
        "llama.cpp",  # older llama.cpp builds
        '{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it",'
        '"type":"invalid_request_error"}}',
    ),
]


@pytest.mark.parametrize(("expected", "body"), OVERFLOWS)
def test_overflow_wordings_served_over_http(server: Server, expected: str, body: str) -> None:
    server.serve("/v1/chat/completions", body, status=400)
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{server.url}/v1/chat/completions", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    got = caught.value.read().decode()
    assert overflow_server(caught.value.code, got) == expected
    assert classify_overflow(caught.value.code, got)


def test_sglang_overflow_inside_a_200_event_stream_body() -> None:
    event = {
        "error": {
            "message": "Input length (40000 tokens) exceeds the maximum allowed length (32762 tokens).",
            "type": "BAD_REQUEST",
            "code": 400,
        }
    }
    assert classify_overflow(200, json.dumps(event))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, '{"error":{"code":400,"message":"\'messages\' is required","type":"invalid_request_error"}}'),
        (400, _vllm_old("max_tokens must be at least 1, got -3.")),
        (429, '{"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}'),
        (500, _vllm_old("This model's maximum context length is 8192 tokens. However, you requested 9000 tokens")),
        (400, "Bad Request"),
        (400, '{"error": {"message": "Invalid \'metadata\': string exceeds the maximum allowed length."}}'),
        (200, json.dumps(recorded("chat_list_files_native")["response"])),
    ],
)
def test_other_errors_are_not_overflows(status: int, body: str) -> None:
    assert not classify_overflow(status, body)
    assert overflow_server(status, body) is None
