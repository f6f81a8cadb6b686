"""A real model behind a real OpenAI-compatible server: the llama-server and the
Qwen2.5-Coder-0.5B-Instruct GGUF that ``make real-model`` (scripts/setup-real-model.sh) caches.

The tests start the server on a free 127.0.0.1 port and talk to it with the openai SDK. Without
the cache they fail, never skip: the suite is meant to have this server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from horizonbench.agents.server_limits import discover_limits
from horizonbench.agents.text_tool_calls import parse_text_tool_calls
from horizonbench.agents.text_tool_render import render_tools_prompt
from horizonbench.agents.tools import BASH, EDITOR, SUBMIT

pytestmark = pytest.mark.real_model

CACHE = Path(os.environ.get("HORIZONBENCH_CACHE", Path.home() / ".cache" / "horizonbench"))
SERVER = CACHE / "llama-server" / "0.3.36" / "llama-server"
MODEL = CACHE / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
CTX = 4096
TOOLS = [BASH, EDITOR, SUBMIT]
NAMES = {t.name for t in TOOLS}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
            return str(reply.read().decode())
    except OSError:
        return None


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = [str(p) for p in (SERVER, MODEL) if not p.exists()]
    if missing:
        pytest.fail(
            f"the real model server is not cached ({', '.join(missing)} missing); run `make real-model`", pytrace=False
        )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(SERVER), "-m", str(MODEL), "--host", "127.0.0.1", "--port", str(port), "--jinja", "-c", str(CTX)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 90
        while _health(url) is None:
            if proc.poll() is not None:
                pytest.fail(f"llama-server exited ({proc.returncode}) before answering:\n{log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"llama-server did not answer /health within 90 s:\n{log.read_text()[-2000:]}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def client(server_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server_url}/v1", api_key="sk-local", timeout=120, max_retries=0)


def test_health_is_ok(server_url: str) -> None:
    assert _health(server_url) == '{"status":"ok"}'


def test_limits_are_read_from_the_server(server_url: str) -> None:
    limits = discover_limits(f"{server_url}/v1")
    assert limits.context_window == CTX
    assert limits.source == "llama.cpp /props"


def test_a_chat_completion_returns_text(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="local",
        messages=[{"role": "user", "content": "Write the word hello in lower case and nothing else."}],
        temperature=0,
        max_tokens=16,
    )
    text = reply.choices[0].message.content or ""
    assert "hello" in text.lower()
    assert reply.usage is not None and reply.usage.completion_tokens > 0


AGENT_SYSTEM = (
    "You are a coding agent working in a Linux sandbox whose task files are in /app. "
    "Act only through the tools: call one to make progress, and call submit when the task is done."
)
TOOL_SPECS = [
    {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
    for t in TOOLS
]


@pytest.mark.parametrize("mode", ["native", "text"])
def test_the_parser_finds_the_model_s_tool_call(client: openai.OpenAI, mode: str) -> None:
    # The model writes its calls in the text in both modes: with the tools in the request (llama.cpp
    # renders them into the prompt with the model's template) and described in the system prompt.
    system = AGENT_SYSTEM if mode == "native" else f"{AGENT_SYSTEM}\n\n{render_tools_prompt(TOOLS)}"
    extra: dict[str, Any] = {"tools": TOOL_SPECS} if mode == "native" else {}
    reply = client.chat.completions.create(
        model="local",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": "List the files in /app."}],
        temperature=0,
        seed=0,
        max_tokens=200,
        **extra,
    )
    message = reply.choices[0].message
    text = message.content or ""
    parsed = parse_text_tool_calls(text, NAMES)
    assert parsed.valid, f"no known tool call in the model's reply: {text!r} (tool_calls: {message.tool_calls})"
    assert parsed.valid[0].name in NAMES
    assert isinstance(parsed.valid[0].arguments, dict)
