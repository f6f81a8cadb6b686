"""``horizonbench agents verify ADAPTER --base-url URL --model M``: which requirements a real
endpoint meets, checked with the adapter on the conformance task in Docker and a few direct
requests (streaming, stated limits, overflow wording).

Unlike the scripted checks of :mod:`horizonbench.workflows.conformance`, a real model decides what
it answers: whether it solves the task is reported but not required; what is required is what the
harness needs from an endpoint to book a trial honestly (answers, usage, runnable tool calls, no
leaked key).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from horizonbench.agents.base import Budget
from horizonbench.agents.registry import accepted_options
from horizonbench.agents.server_limits import discover_limits, overflow_server
from horizonbench.models import TrialResult
from horizonbench.models.trajectory import read_events
from horizonbench.runner import RunOptions, execute
from horizonbench.tasks.loader import load_task
from horizonbench.workflows.conformance import Check, write_task


def verify_endpoint(
    agent: str,
    model: str,
    base_url: str,
    *,
    api_key_env: str | None = None,
    tool_calls: str = "auto",
    max_steps: int = 8,
    workdir: Path | None = None,
    prompt_dir: Path | None = None,
) -> list[Check]:
    """Check the endpoint at ``base_url`` serving ``model`` through ``agent``; one Check each."""
    key = os.environ.get(api_key_env, "") if api_key_env else ""
    with tempfile.TemporaryDirectory(prefix="hb-endpoint-") as tmp:
        root = Path(workdir or tmp)
        checks = _probe(base_url, model, key)
        task = load_task(write_task(root / "tasks"))
        wanted: dict[str, Any] = {"model": model, "base_url": base_url, "tool_calls": tool_calls}
        if api_key_env:
            wanted["api_key_env"] = api_key_env
        if prompt_dir is not None:
            wanted["prompt_dir"] = str(prompt_dir)
        opts = RunOptions(
            run_id="endpoint",
            agents=[agent],
            results_root=root / "results",
            agent_options={agent: accepted_options(agent, wanted)},
            budget=Budget(max_steps=max_steps, timeout_s=900),
        )
        result = asyncio.run(execute([task], [], opts)).results[0]
        events = [
            e.model_dump()
            for e in read_events(root / "results" / "endpoint" / "trials" / result.trial_id / "trajectory.jsonl")
        ]
        checks += _trial_checks(result, events)
        leaks = [
            str(p)
            for p in (root / "results").rglob("*")
            if p.is_file() and key and key in p.read_text(errors="replace")
        ]
        checks.append(Check("never writes its API key", not leaks, ", ".join(leaks[:3]) or "not in results"))
    return checks


def _trial_checks(r: TrialResult, events: list[dict[str, Any]]) -> list[Check]:
    o = r.outcome
    calls = [e for e in events if e["kind"] == "tool_call"]
    ran = [c for c in calls if not c.get("malformed")]  # a command that exits non-zero still ran
    native = sum(len(e.get("tool_calls") or []) for e in events if e["kind"] == "model_call")
    forms = sorted({c.get("form", "native") for c in calls})
    infra = r.status == "error"
    return [
        Check(
            "answers the adapter's requests (a trial ends passed or failed, not error)",
            not infra,
            f"{r.status}" + (f": {r.error or (o.message if o else '')}" if infra else ""),
        ),
        Check(
            "reports token usage",
            o is not None and o.input_tokens > 0 and o.output_tokens > 0,
            f"{o.steps} steps, {o.input_tokens} in / {o.output_tokens} out tokens" if o else "no outcome",
        ),
        Check(
            "tool calls that run in the sandbox",
            bool(ran),
            f"{len(ran)} of {len(calls)} calls ran; forms: {', '.join(forms) or 'none'}",
        ),
        Check(
            "structured tool calls (the tool_calls field)",
            native > 0,
            f"{native} structured calls" if native else "none: calls came in the text (run with --tool-calls auto)",
            required=False,
        ),
        Check(
            "solves the conformance task (the model's doing, not required)",
            r.status == "passed",
            r.status,
            required=False,
        ),
    ]


def _probe(base_url: str, model: str, key: str) -> list[Check]:
    """Direct requests: stated limits, a streamed reply, and the reply to a prompt that cannot fit."""
    import openai

    limits = discover_limits(base_url, model=model, api_key=key or None)
    checks = [
        Check(
            "states its context window",
            limits.context_window is not None,
            f"{limits.context_window} tokens ({limits.source})"
            if limits.context_window
            else "not stated: give --context-window",
            required=False,
        )
    ]
    client = openai.OpenAI(base_url=base_url, api_key=key or "unused", max_retries=0, timeout=300)
    try:
        stream = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Count from 1 to 10, separated by spaces."}],
            max_tokens=40,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        usage = next((c.usage for c in chunks if getattr(c, "usage", None)), None)
        checks.append(
            Check(
                "streams replies (so a slow server is timed by its silences, not its length)",
                len(chunks) > 2,
                f"{len(chunks)} chunks, usage {'included' if usage else 'missing'}",
                required=False,
            )
        )
    except openai.APIError as exc:
        checks.append(Check("streams replies", False, f"refused: {exc}"[:200], required=False))
    if limits.context_window:
        try:
            client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": "word " * (limits.context_window * 2)}],
                max_tokens=8,
            )
            checks.append(Check("says when a prompt does not fit", False, "an over-long prompt was accepted"))
        except openai.APIStatusError as exc:
            body = json.dumps(exc.body) if isinstance(exc.body, dict | list) else str(exc.message)
            server = overflow_server(exc.status_code, body)
            checks.append(
                Check(
                    "says when a prompt does not fit (a wording the adapters recognise)",
                    server is not None,
                    f"HTTP {exc.status_code}, {server} wording" if server else f"HTTP {exc.status_code}: {body[:160]}",
                )
            )
    return checks
