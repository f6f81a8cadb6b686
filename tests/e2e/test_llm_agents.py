"""The LLM adapters against scripted endpoints on 127.0.0.1 that speak the real wire
protocols, with the real openai / anthropic SDKs as clients."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.base import Budget
from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn, call
from horizonbench.models import TrialResult
from horizonbench.runner.run import RunOptions, execute
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker

SMOKE = REPO / "tasks" / "smoke"
KEY_ENV = "HB_SCRIPTED_API_KEY"
KEY = "sk-scripted-0123456789abcdef"
OLD = "    return ordered[middle]\n"
NEW = (
    "    if len(ordered) % 2:\n        return ordered[middle]\n    return (ordered[middle - 1] + ordered[middle]) / 2\n"
)

FIX_MEDIAN = [
    call("bash", command="cat statkit/stats.py"),
    call("str_replace_editor", command="view", path="statkit/stats.py", view_range=[8, 13]),
    call("str_replace_editor", command="str_replace", path="statkit/stats.py", old_str=OLD, new_str=NEW),
    call("bash", command="python3 -m pytest -q tests 2>&1 | tail -2"),
    call("submit", summary="median averages the two middle values"),
]

MODELS_TOML = """\
schema_version = "1"
[[model]]
name = "scripted-model"
provider = "openai"
base_url = "http://127.0.0.1:1/v1"
api_key_env = "HB_SCRIPTED_API_KEY"
context_window = 32000
price = { input = 1.0, cached_input = 0.5, output = 2.0 }
"""


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


@pytest.fixture
def models_file(tmp_path: Path) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(MODELS_TOML)
    return path


def run(
    agent: str, task: str, results: Path, options: dict[str, Any], budget: Budget | None = None, run_id: str = "r"
) -> TrialResult:
    opts = RunOptions(
        run_id=run_id,
        agents=[agent],
        results_root=results,
        agent_options={agent: options},
        budget=budget or Budget(),
    )
    summary = asyncio.run(execute([load_task(SMOKE / task)], [], opts))
    assert len(summary.results) == 1
    return summary.results[0]


def events(results: Path, r: TrialResult, run_id: str = "r") -> list[dict[str, Any]]:
    path = results / run_id / "trials" / r.trial_id / "trajectory.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_scripted_endpoint_solves_fix_median(protocol: str, tmp_path: Path, models_file: Path) -> None:
    with ScriptedServer(FIX_MEDIAN) as server:
        url = server.openai_url if protocol == "openai" else server.anthropic_url
        r = run(
            protocol,
            "fix-median",
            tmp_path,
            {"model": "scripted-model", "base_url": url, "models_file": str(models_file)},
        )
        assert all(h in (f"Bearer {KEY}", KEY) for h in server.auth_headers)
    assert r.status == "passed", (r.error, r.verdict)
    assert r.model == "scripted-model"
    o = r.outcome
    assert o is not None and o.status == "submitted" and o.steps == 5
    assert o.input_tokens > 0 and o.output_tokens > 0
    expected = (
        (o.input_tokens - o.cached_input_tokens) * 1.0 + o.cached_input_tokens * 0.5 + o.output_tokens * 2.0
    ) / 1e6
    assert o.cost_usd == pytest.approx(expected, rel=1e-3)
    ev = events(tmp_path, r)
    kinds = [e["kind"] for e in ev]
    assert kinds.count("model_call") == 5 and kinds.count("tool_call") == 5
    edit = next(
        e for e in ev if e["kind"] == "tool_call" and e["name"] == "str_replace_editor" and "edited" in e["output"]
    )
    assert edit["arguments"]["command"] == "str_replace"
    assert "passed" in next(e for e in ev if e["kind"] == "tool_call" and "pytest" in str(e["arguments"]))["output"]


def test_faults_are_retried_and_malformed_calls_reported(tmp_path: Path) -> None:
    script = [Turn(tool_calls=[("bash", "{not json")]), call("bash", command="true"), *FIX_MEDIAN]
    with ScriptedServer(script, hang_seconds=3) as server:
        server.inject("429", "500", "drop", "timeout", "garbage")
        opts = {
            "model": "m",
            "base_url": server.openai_url,
            "api_key_env": KEY_ENV,
            "retry_base_delay": 0.05,
            "request_timeout": 1.0,
        }
        r = run("openai", "fix-median", tmp_path, opts)
    assert r.status == "passed", (r.error, r.outcome)
    assert r.outcome is not None and r.outcome.retries == 5 and r.outcome.malformed_tool_calls == 1
    retries = [e for e in events(tmp_path, r) if e["kind"] == "retry"]
    assert [("429" in e["error"], "500" in e["error"]) for e in retries[:2]] == [(True, False), (False, True)]


def test_endpoint_that_never_recovers_is_an_error_not_a_failure(tmp_path: Path) -> None:
    with ScriptedServer(FIX_MEDIAN) as server:
        server.inject(*["500"] * 10)
        opts = {
            "model": "m",
            "base_url": server.anthropic_url,
            "api_key_env": KEY_ENV,
            "retry_base_delay": 0.01,
            "max_retries": 3,
        }
        r = run("anthropic", "fix-median", tmp_path, opts)
    assert r.status == "error" and r.error_kind == "agent"
    assert r.error is not None and "HTTP 500" in r.error
    assert r.verdict is None


def _forever(body: dict[str, Any], protocol: str, step: int) -> Turn:
    return call("bash", command=f"echo step {step}")


@pytest.mark.parametrize(
    ("budget", "limit"),
    [
        (Budget(max_steps=3), "steps"),
        (Budget(max_tokens=1500), "tokens"),
        (Budget(max_cost_usd=0.0005), "cost"),
        (Budget(timeout_s=4), "time"),
    ],
)
def test_each_budget_limit_ends_the_trial(budget: Budget, limit: str, tmp_path: Path, models_file: Path) -> None:
    with ScriptedServer(_forever, delay=0.2) as server:
        opts = {"model": "scripted-model", "base_url": server.openai_url, "models_file": str(models_file)}
        r = run("openai", "word-report", tmp_path, opts, budget=budget)
    assert r.outcome is not None and r.outcome.limit == limit, r.outcome
    assert r.outcome.status == ("timeout" if limit == "time" else "budget_exhausted")
    assert r.status == "failed" and r.verdict is not None  # grading still ran
    if limit == "steps":
        assert r.outcome.steps == 3
    if limit in ("tokens", "cost", "time"):
        assert r.outcome.steps >= 1 and r.outcome.input_tokens > 0


def test_command_timeout_is_reported_to_the_model(tmp_path: Path) -> None:
    script = [call("bash", command="sleep 100"), call("bash", command="echo alive"), call("submit")]
    with ScriptedServer(script) as server:
        r = run(
            "openai",
            "word-report",
            tmp_path,
            {"model": "m", "base_url": server.openai_url, "api_key_env": KEY_ENV},
            budget=Budget(command_timeout_s=1),
        )
    calls = [e for e in events(tmp_path, r) if e["kind"] == "tool_call"]
    assert "timed out after 1 s" in calls[0]["output"]
    assert "alive" in calls[1]["output"] and calls[1]["seconds"] < 5


def test_replay_reproduces_the_verdict(tmp_path: Path) -> None:
    with ScriptedServer(FIX_MEDIAN) as server:
        first = run(
            "openai", "fix-median", tmp_path, {"model": "m", "base_url": server.openai_url, "api_key_env": KEY_ENV}
        )
    assert first.status == "passed"
    traj = tmp_path / "r" / "trials" / first.trial_id / "trajectory.jsonl"
    again = run("replay", "fix-median", tmp_path, {"trajectory": str(traj)}, run_id="replayed")
    assert again.status == "passed" and again.outcome is not None and again.outcome.steps == 5
    assert again.verdict is not None and first.verdict is not None
    assert again.verdict.tests == first.verdict.tests
    assert (tmp_path / "replayed" / "trials" / again.trial_id / "agent.diff").read_text() == (
        tmp_path / "r" / "trials" / first.trial_id / "agent.diff"
    ).read_text()


def test_command_adapter_reaches_the_model_only_through_the_gateway(tmp_path: Path, models_file: Path) -> None:
    script = [
        call("bash", command="ip -o link 2>/dev/null | wc -l; cat /sys/class/net/*/operstate | tr '\\n' ' '"),
        call(
            "bash",
            command=f"python3 - <<'PY'\nimport pathlib\np = pathlib.Path('statkit/stats.py')\n"
            f"p.write_text(p.read_text().replace({OLD!r}, {NEW!r}))\nPY",
        ),
        call("submit"),
    ]
    with ScriptedServer(script) as server:
        opts = {
            "model": "scripted-model",
            "base_url": server.openai_url,
            "models_file": str(models_file),
            "command": "python /opt/hb-agent/files/mini_cli_agent.py",
            "requirements": ["openai"],
            "files": str(REPO / "tests" / "cli_agent"),
        }
        r = run("command", "fix-median", tmp_path, opts)
        assert len(server.requests) == 3
        assert all(h == f"Bearer {KEY}" for h in server.auth_headers)  # the gateway adds the real key
    assert r.status == "passed", (r.error, r.outcome)
    o = r.outcome
    assert o is not None and o.steps == 3 and o.input_tokens > 0 and o.cost_usd > 0
    ev = events(tmp_path, r)
    exchanges = [e for e in ev if e["kind"] == "gateway_exchange"]
    assert len(exchanges) == 3 and all(e["status"] == 200 for e in exchanges)
    log = (tmp_path / "r" / "trials" / r.trial_id / "agent.log").read_text()
    assert "unknown" in log or "down" in log or "1\n" in log  # only the loopback device exists


def test_gateway_structures_tool_calls_written_in_text_for_an_agent_cli(tmp_path: Path, models_file: Path) -> None:
    """A model that writes its calls in the text (as open models behind a server without a tool
    parser do) drives an agent CLI that reads only the structured tool_calls field."""
    fix = (
        f"python3 - <<'PY'\nimport pathlib\np = pathlib.Path('statkit/stats.py')\n"
        f"p.write_text(p.read_text().replace({OLD!r}, {NEW!r}))\nPY"
    )
    script = [
        Turn(text='Reading it.\n```json\n{"name": "bash", "arguments": {"command": "cat statkit/stats.py"}}\n```'),
        Turn(text="<tool_call>\n" + json.dumps({"name": "bash", "arguments": {"command": fix}}) + "\n</tool_call>"),
        Turn(text='{"name": "submit", "arguments": {}}'),
    ]
    base = {
        "model": "scripted-model",
        "models_file": str(models_file),
        "command": "python /opt/hb-agent/files/mini_cli_agent.py",
        "requirements": ["openai"],
        "files": str(REPO / "tests" / "cli_agent"),
    }
    with ScriptedServer(script) as server:
        r = run("command", "fix-median", tmp_path, {**base, "base_url": server.openai_url})
    assert r.status == "passed", (r.error, r.outcome)
    ev = events(tmp_path, r)
    structured = [e for e in ev if e["kind"] == "gateway_text_tool_calls"]
    assert [e["forms"] for e in structured] == [["fenced"], ["hermes"], ["json"]]
    with ScriptedServer(script) as server:  # native: the CLI sees no call and stops
        r = run(
            "command",
            "fix-median",
            tmp_path,
            {**base, "base_url": server.openai_url, "tool_calls": "native"},
            run_id="n",
        )
    assert r.status == "failed"


def test_command_adapter_budget_is_enforced_by_the_gateway(tmp_path: Path) -> None:
    with ScriptedServer(_forever) as server:
        opts = {
            "model": "m",
            "base_url": server.openai_url,
            "api_key_env": KEY_ENV,
            "command": "python /opt/hb-agent/files/mini_cli_agent.py",
            "requirements": ["openai"],
            "files": str(REPO / "tests" / "cli_agent"),
        }
        r = run("command", "word-report", tmp_path, opts, budget=Budget(max_steps=2))
        assert len(server.requests) == 2
    assert r.outcome is not None and r.outcome.limit == "steps" and r.status == "failed"


def test_gateway_budget_stops_an_agent_cli_that_keeps_retrying(tmp_path: Path) -> None:
    """A CLI that starts over whenever its model call fails would spin until the wall clock; the
    gateway's refusal for budget stops it, and the attempt is graded with the limit named."""
    with ScriptedServer(_forever) as server:
        opts = {
            "model": "m",
            "base_url": server.openai_url,
            "api_key_env": KEY_ENV,
            "command": "while true; do python /opt/hb-agent/files/mini_cli_agent.py; sleep 0.2; done",
            "requirements": ["openai"],
            "files": str(REPO / "tests" / "cli_agent"),
        }
        r = run("command", "word-report", tmp_path, opts, budget=Budget(max_steps=2, timeout_s=300))
        assert len(server.requests) == 2
    assert r.status == "failed" and r.outcome is not None
    assert r.outcome.status == "budget_exhausted" and r.outcome.limit == "steps"
    events = [json.loads(line) for line in (tmp_path / "r" / "trials" / r.trial_id / "trajectory.jsonl").open()]
    assert any(e["kind"] == "agent_stopped" for e in events)
    assert r.timings.agent_s < 120  # stopped, not run to the 300 s limit


def test_no_secret_reaches_the_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VENDOR_ACCESS_TOKEN", "tok-live-9f8e7d6c5b4a")
    monkeypatch.setenv("OTHER_SERVICE_KEY", "svc-key-abcdef123456")
    leaky = [
        Turn(
            text=f"my key is {KEY} and the token is tok-live-9f8e7d6c5b4a",
            tool_calls=[("bash", {"command": "echo svc-key-abcdef123456 > leak.txt; cat leak.txt"})],
        ),
        call("submit", summary=f"done {KEY}"),
    ]
    with ScriptedServer(leaky) as server:
        res = hb(
            "run",
            SMOKE / "word-report",
            "--agent",
            "openai",
            "--model",
            "m",
            "--base-url",
            server.openai_url,
            "--api-key-env",
            KEY_ENV,
            "--run-id",
            "s",
            "--results",
            tmp_path,
            "--no-progress",
        )
    assert res.returncode == 0, res.stderr
    files = [p for p in (tmp_path / "s").rglob("*") if p.is_file()]
    assert len(files) >= 6
    text = "".join(p.read_text(errors="replace") for p in files)
    assert "[REDACTED]" in text
    for secret in (KEY, "tok-live-9f8e7d6c5b4a", "svc-key-abcdef123456"):
        assert secret not in text


MINI = (
    "MSWEA_CONFIGURED=true MSWEA_COST_TRACKING=ignore_errors LITELLM_LOCAL_MODEL_COST_MAP=True "
    'mini -m "openai/$HB_MODEL" -t "$(cat $HB_INSTRUCTION_FILE)" -y --exit-immediately -l 0 -o /tmp/mini.traj.json'
)


def test_command_adapter_runs_mini_swe_agent_from_pypi(tmp_path: Path, models_file: Path) -> None:
    """A real third-party agent CLI (mini-swe-agent, installed from PyPI through the host
    wheelhouse) in a network-less sandbox, reaching its model only through the gateway."""
    fix = (
        "python3 - <<'PY'\nimport pathlib\np = pathlib.Path('statkit/stats.py')\n"
        f"p.write_text(p.read_text().replace({OLD!r}, {NEW!r}))\nPY"
    )
    script = [
        Turn(text="Let me read the code.", tool_calls=[("bash", {"command": "cat statkit/stats.py"})]),
        Turn(text="The even case takes one middle value; average the two.", tool_calls=[("bash", {"command": fix})]),
        Turn(text="Done.", tool_calls=[("bash", {"command": "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"})]),
    ]
    with ScriptedServer(script) as server:
        opts = {
            "model": "scripted-model",
            "base_url": server.openai_url,
            "models_file": str(models_file),
            "command": MINI,
            # litellm imports mcp without declaring it in this release
            "requirements": ["mini-swe-agent", "mcp"],
        }
        r = run("command", "fix-median", tmp_path, opts)
        assert len(server.requests) == 3
    assert r.status == "passed", (r.error, r.outcome)
    assert r.outcome is not None and r.outcome.steps == 3 and r.outcome.cost_usd > 0
    log = (tmp_path / "r" / "trials" / r.trial_id / "agent.log").read_text()
    assert "mini-swe-agent" in log and "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" in log
