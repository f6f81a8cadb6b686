"""``horizonbench agents verify``: the conformance kit a vendor runs on its adapter.

The adapter is driven against scripted endpoints on 127.0.0.1 (both wire protocols on
one server) through real trials in Docker, and each requirement is checked:
it completes a task with bash and the editor, respects each budget limit, reports
token usage, survives 429/500 responses, stops on submit, and never leaks its API key.

A verifiable adapter takes ``model``, ``base_url`` and ``api_key_env`` keyword
arguments (and ``models_file`` for prices), like the built-in ``openai`` adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from horizonbench.agents.base import Budget
from horizonbench.agents.registry import accepted_options, agent_class
from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn, call
from horizonbench.models import TrialResult
from horizonbench.runner import RunOptions, execute
from horizonbench.tasks.loader import Task, load_task

KEY_ENV = "HB_CONFORMANCE_API_KEY"
MODEL = "conformance-model"

_BUGGY = 'def greet(name):\n    return "Hello " + name\n\n\nif __name__ == "__main__":\n    print(greet("world"))\n'
_TASK_TOML = """\
[metadata]
difficulty = "easy"
tags = ["conformance"]

[horizon]
steps = 4
expert_minutes = 1

[agent]
timeout_sec = 300

[environment]
memory_mb = 256

[verifier]
timeout_sec = 60
"""
_TEST_SH = """\
#!/bin/bash
mkdir -p /logs/verifier
if [ "$(python3 /app/greet.py)" = "hello, world" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
"""
_MODELS = f"""\
schema_version = "1"
[[model]]
name = "{MODEL}"
provider = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key_env = "{KEY_ENV}"
price = {{ input = 1.0, cached_input = 1.0, output = 2.0 }}
"""

SOLVE = [
    call("bash", command="cat /app/greet.py"),
    call(
        "str_replace_editor",
        command="str_replace",
        path="/app/greet.py",
        old_str='return "Hello " + name',
        new_str='return "hello, " + name',
    ),
    call("bash", command="python3 /app/greet.py"),
    call("submit", summary="greeting fixed"),
]


def _forever(body: dict[str, Any], protocol: str, step: int) -> Turn:
    return call("bash", command=f"echo step {step}")


@dataclass
class Check:
    requirement: str
    ok: bool
    detail: str
    required: bool = True
    """A failed check that is not required is reported, and does not fail the verification."""


def write_task(root: Path, name: str = "greet") -> Path:
    """The conformance task: fix a greeting with bash and the editor (reward-file graded)."""
    task = root / name
    for sub in ("environment", "tests", "solution"):
        (task / sub).mkdir(parents=True, exist_ok=True)
    (task / "task.toml").write_text(_TASK_TOML)
    (task / "instruction.md").write_text(
        "`python3 /app/greet.py` must print `hello, world` exactly. Fix /app/greet.py.\n"
    )
    (task / "environment" / "Dockerfile").write_text(
        "FROM horizonbench/base:bookworm\nCOPY greet.py /app/greet.py\nWORKDIR /app\n"
    )
    (task / "environment" / "greet.py").write_text(_BUGGY)
    (task / "tests" / "test.sh").write_text(_TEST_SH)
    (task / "solution" / "solve.sh").write_text('sed -i \'s/"Hello "/"hello, "/\' /app/greet.py\n')
    return task


class _Kit:
    def __init__(self, agent: str, workdir: Path) -> None:
        self.agent = agent
        self.workdir = workdir
        self.task: Task = load_task(write_task(workdir / "tasks"))
        self.models = workdir / "models.toml"
        self.models.write_text(_MODELS)
        self.key = "sk-conformance-" + secrets.token_hex(12)
        self.n = 0

    def trial(self, server: ScriptedServer, protocol: str, budget: Budget | None = None) -> TrialResult:
        self.n += 1
        url = server.openai_url if protocol == "openai" else server.anthropic_url
        wanted = {"model": MODEL, "base_url": url, "api_key_env": KEY_ENV, "models_file": str(self.models)}
        opts = RunOptions(
            run_id=f"check-{self.n}",
            agents=[self.agent],
            results_root=self.workdir / "results",
            agent_options={self.agent: accepted_options(self.agent, wanted)},
            budget=budget or Budget(),
        )
        summary = asyncio.run(execute([self.task], [], opts))
        return summary.results[0]

    def leaked(self) -> list[str]:
        hits = []
        for p in (self.workdir / "results").rglob("*"):
            if p.is_file() and self.key in p.read_text(errors="replace"):
                hits.append(str(p.relative_to(self.workdir)))
        return hits


def _protocol(agent: str) -> str:
    return str(getattr(agent_class(agent), "provider", "") or "openai")


class _Capture(logging.Handler):
    """Everything the adapter logs or prints while it runs: where a leaked key would show
    (files under results are redacted by the harness, so they alone prove nothing)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.text = io.StringIO()

    def emit(self, record: logging.LogRecord) -> None:
        self.text.write(record.getMessage() + "\n")


def verify_adapter(
    agent: str, workdir: Path | None = None, progress: Callable[[Check], None] | None = None
) -> list[Check]:
    """Run every requirement; returns one :class:`Check` each (never raises for a failing
    adapter, only for a missing engine or an unknown agent)."""
    with tempfile.TemporaryDirectory(prefix="hb-verify-") as tmp:
        kit = _Kit(agent, Path(workdir or tmp))
        old = os.environ.get(KEY_ENV)
        os.environ[KEY_ENV] = kit.key
        capture = _Capture()
        root = logging.getLogger()
        root.addHandler(capture)
        level = root.level
        root.setLevel(logging.DEBUG)
        try:
            with contextlib.redirect_stdout(capture.text), contextlib.redirect_stderr(capture.text):
                checks = _run_checks(kit, _protocol(agent), progress)
        finally:
            root.removeHandler(capture)
            root.setLevel(level)
            if old is None:
                os.environ.pop(KEY_ENV, None)
            else:
                os.environ[KEY_ENV] = old
        leaks = kit.leaked()
        if kit.key in capture.text.getvalue():
            leaks.append("the adapter's log or output")
        checks.append(
            Check(
                "never logs or writes its API key",
                not leaks,
                "not in results, logs or output" if not leaks else ", ".join(leaks[:3]),
            )
        )
        if progress:
            progress(checks[-1])
        return checks


def _run_checks(kit: _Kit, protocol: str, progress: Callable[[Check], None] | None) -> list[Check]:
    checks: list[Check] = []

    def add(requirement: str, ok: bool, detail: str) -> None:
        checks.append(Check(requirement, ok, detail))
        if progress:
            progress(checks[-1])

    def why(r: TrialResult) -> str:
        return r.error or (r.verdict.detail if r.verdict else "") or (r.outcome.message if r.outcome else "")

    with ScriptedServer(SOLVE) as server:
        r = kit.trial(server, protocol)
        n_requests = len(server.requests)
        used_key = any(kit.key in h for h in server.auth_headers)
    add("completes a task with bash and the editor", r.status == "passed", f"{r.status}: {why(r)}")
    o = r.outcome
    tokens_ok = o is not None and o.input_tokens > 0 and o.output_tokens > 0 and o.steps == n_requests
    add(
        "reports token usage and steps",
        tokens_ok,
        f"{o.steps} steps, {o.input_tokens} in / {o.output_tokens} out tokens, ${o.cost_usd:.6f}"
        if o
        else "no outcome",
    )
    add(
        "sends its API key to the endpoint", used_key, "key seen in the request headers" if used_key else "key not sent"
    )

    with ScriptedServer(SOLVE) as server:
        server.inject("429", "500", "429")
        r = kit.trial(server, protocol)
    add("survives 429 and 500 responses", r.status == "passed", f"{r.status} after 3 injected faults: {why(r)}")

    early = [SOLVE[0], call("submit", summary="early"), *SOLVE[1:]]
    with ScriptedServer(early) as server:
        r = kit.trial(server, protocol)
        calls = len(server.requests)
    add(
        "stops on submit",
        calls == 2 and r.outcome is not None and r.outcome.status == "submitted",
        f"{calls} model calls (2 expected), outcome {r.outcome.status if r.outcome else '-'}",
    )

    for label, budget, limit in (
        # A wall-clock limit on every check, so an adapter that ignores the budget under
        # test is stopped (and fails the check) in seconds, not at the task's timeout.
        ("respects max steps", Budget(max_steps=3, timeout_s=30), "steps"),
        ("respects max tokens", Budget(max_tokens=2000, timeout_s=30), "tokens"),
        ("respects max cost", Budget(max_cost_usd=0.002, timeout_s=30), "cost"),
        ("respects the wall-clock limit", Budget(timeout_s=5), "time"),
    ):
        with ScriptedServer(_forever, delay=0.1) as server:
            r = kit.trial(server, protocol, budget)
            calls = len(server.requests)
        got = r.outcome.limit if r.outcome else None
        ok = got == limit and r.status != "error" and (limit != "steps" or calls <= 3)
        add(label, ok, f"ended by {got or 'nothing'} after {calls} model calls ({r.status})")

    return checks
