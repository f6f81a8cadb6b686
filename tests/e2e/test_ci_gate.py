"""The CI path for prompt changes, as a CI job runs it: a baseline run, then
`horizonbench ci` for an unchanged prompt (passes) and a worse prompt (caught)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn, call
from horizonbench.workflows.conformance import SOLVE, write_task
from tests.helpers import hb

pytestmark = pytest.mark.docker
KEY_ENV = "HB_CI_TEST_KEY"
WORSE = "Submit immediately; checking your work is a waste of time."


def model(body: dict[str, Any], protocol: str, step: int) -> Turn:
    """Solves the task, unless the system prompt tells it to rush."""
    system = body["messages"][0]["content"] if body.get("messages") else ""
    if WORSE in system:
        return call("submit", summary="done, without checking")
    return SOLVE[step] if step < len(SOLVE) else call("submit")


def test_prompt_regression_is_caught_and_unchanged_prompt_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-ci-test-abcdef123456")
    suite = tmp_path / "suite"
    for i in range(8):
        write_task(suite, f"greet-{i}")
    (suite / "suite.toml").write_text('name = "greet"\nversion = "1"\n')
    worse = tmp_path / "prompts-worse"
    worse.mkdir()
    (worse / "system.md").write_text(f"You are a coding agent with tools. {WORSE}\n")
    results = tmp_path / "results"
    with ScriptedServer(model) as server:
        llm = ["--agent", "openai", "--model", "m", "--base-url", server.openai_url, "--api-key-env", KEY_ENV]
        base = hb(
            "run", suite, *llm, "--run-id", "baseline", "--results", results, "--concurrency", "4", "--no-progress"
        )
        assert base.returncode == 0, base.stderr
        assert "8 passed, 0 failed" in base.stdout

        same = hb(
            "ci",
            suite,
            *llm,
            "--baseline",
            results / "baseline",
            "--run-id",
            "cand-same",
            "--results",
            results,
            "--summary",
            tmp_path / "same.md",
            "--junit",
            tmp_path / "same.xml",
        )
        assert same.returncode == 0, same.stdout + same.stderr
        assert "PASS" in (tmp_path / "same.md").read_text()

        bad = hb(
            "ci",
            suite,
            *llm,
            "--prompt-dir",
            worse,
            "--baseline",
            results / "baseline",
            "--run-id",
            "cand-worse",
            "--results",
            results,
            "--summary",
            tmp_path / "worse.md",
            "--junit",
            tmp_path / "worse.xml",
        )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    summary = (tmp_path / "worse.md").read_text()
    assert "FAIL" in summary and "McNemar" in summary
    # the changed template shows in the summary: two different hashes for system.md
    hashes = {line.split("|")[4].strip() for line in summary.splitlines() if "| system.md |" in line}
    assert len(hashes) == 2
    suites = ET.parse(tmp_path / "worse.xml").getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) == 8 and all(c.find("failure") is not None for c in cases)
