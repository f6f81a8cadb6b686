"""The results viewer in a real browser: a run written by the ``openai`` adapter against the
scripted endpoint (one trial passes, one fails), served by ``horizonbench view`` on a free
127.0.0.1 port, and its pages loaded in headless Chromium (the DOM after rendering, and a
screenshot); and the run's trajectories exported to ATIF and replayed."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.base import Budget
from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn, call
from horizonbench.runner.run import RunOptions, execute
from horizonbench.tasks.loader import load_task
from tests.e2e.test_llm_agents import FIX_MEDIAN, KEY, KEY_ENV, SMOKE
from tests.e2e.test_numbers import run_chromium
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker

WRONG_REPORT = [
    call("bash", command="ls /app/data"),
    call("bash", command="echo '{}' > /app/report.json"),
    call("submit", summary="wrote an empty report"),
]


def _script(body: dict[str, Any], protocol: str, step: int) -> Turn:
    """fix-median gets the fix; word-report an empty report, which fails."""
    script = FIX_MEDIAN if "statkit" in json.dumps(body.get("messages", [])) else WRONG_REPORT
    return script[min(step, len(script) - 1)]


def chromium() -> str:
    """Debian's chromium; this test fails (never skips) without it."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("this test needs Debian's chromium: run scripts/setup-chromium.sh (make test does)", pytrace=False)


@pytest.fixture(scope="module")
def run_dir(docker_engine: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    os.environ[KEY_ENV] = KEY
    try:
        with ScriptedServer(_script) as server:
            opts = RunOptions(
                run_id="llm",
                agents=["openai"],
                results_root=root,
                agent_options={"openai": {"model": "m", "base_url": server.openai_url, "api_key_env": KEY_ENV}},
                budget=Budget(),
            )
            tasks = [load_task(SMOKE / "fix-median"), load_task(SMOKE / "word-report")]
            summary = asyncio.run(execute(tasks, [], opts))
    finally:
        os.environ.pop(KEY_ENV, None)
    assert sorted(r.status for r in summary.results) == ["failed", "passed"], [r.error for r in summary.results]
    return root / "llm"


@pytest.fixture(scope="module")
def viewer(run_dir: Path) -> Iterator[str]:
    """``horizonbench view RUN --port 0`` in its own process; yields its base URL."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "horizonbench.cli", "view", str(run_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"serving on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def dom(url: str, profile: Path) -> str:
    res = run_chromium(chromium(), profile, "--dump-dom", url)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def test_trials_page_filtered_to_failures_in_the_browser(viewer: str, tmp_path: Path) -> None:
    html = dom(f"{viewer}/runs/llm/trials.html?status=failed", tmp_path / "profile")
    rows = re.findall(r'<tr class="(\w+)" data-status="(\w+)">\s*<td><a href="([^"]+)">([^<]+)</a>', html)
    assert [(status, trial) for _, status, _, trial in rows] == [("failed", "word-report__openai__0")]
    everything = dom(f"{viewer}/runs/llm/trials.html", tmp_path / "profile-all")
    assert sorted(re.findall(r'data-status="(\w+)"', everything)) == ["failed", "passed"]


def test_trial_page_shows_tool_calls_and_diff(viewer: str, tmp_path: Path) -> None:
    html = dom(f"{viewer}/runs/llm/trials/fix-median__openai__0.html", tmp_path / "profile")
    tools = re.findall(r'<code class="tool-name">([a-z_]+)</code>', html)
    assert {"bash", "str_replace_editor", "submit"} <= set(tools)
    assert "cat statkit/stats.py" in html and "3 passed" in html  # an argument and a tool's output
    assert '<span class="del">-    return ordered[middle]</span>' in html
    assert '<span class="add">+    if len(ordered) % 2:</span>' in html
    assert "tests/test_stats.py::test_median_even_length" in html and "FAIL_TO_PASS" in html
    assert "statkit.median" in html  # the instruction, from the task directory the run recorded


def test_trial_page_screenshot_has_content(viewer: str, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "trial.png"
    url = f"{viewer}/runs/llm/trials/fix-median__openai__0.html"
    res = run_chromium(chromium(), tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600", url)
    assert res.returncode == 0 and shot.is_file(), res.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 1600)
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, tables and coloured diff lines, not a blank page
    background = max(colours)[0] / (1200 * 1600)
    assert background < 0.95
    # The green of the passed status and of added lines is on the page.
    assert any(g > 90 and r < 60 and b < 80 for _, (r, g, b) in colours)


def test_export_opens_from_file_urls(run_dir: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    res = hb("view", "--export", site, run_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    html = dom((site / "runs" / "llm" / "trials-failed.html").as_uri(), tmp_path / "profile")
    assert re.findall(r'data-status="(\w+)"', html) == ["failed"]
    link = re.search(r'href="([^"]*trials/word-report__openai__0\.html)"', html)
    assert link, html[:2000]
    trial = dom((site / "runs" / "llm" / link.group(1)).as_uri(), tmp_path / "profile-trial")
    assert "echo &#39;{}&#39; &gt; /app/report.json" in trial or "echo '{}' &gt; /app/report.json" in trial


def test_replaying_the_atif_export_reproduces_the_verdict(run_dir: Path, tmp_path: Path) -> None:
    res = hb("results", "export-atif", run_dir, "--out", tmp_path / "atif")
    assert res.returncode == 0, res.stdout + res.stderr
    atif = tmp_path / "atif" / "fix-median__openai__0.json"
    assert json.loads(atif.read_text())["schema_version"] == "ATIF-v1.4"
    opts = RunOptions(
        run_id="replayed",
        agents=["replay"],
        results_root=tmp_path,
        agent_options={"replay": {"trajectory": str(atif)}},
        budget=Budget(),
    )
    again = asyncio.run(execute([load_task(SMOKE / "fix-median")], [], opts)).results[0]
    first = json.loads((run_dir / "trials" / "fix-median__openai__0" / "result.json").read_text())
    assert again.status == "passed" and again.outcome is not None and again.outcome.steps == 5
    assert again.verdict is not None and again.verdict.tests == first["verdict"]["tests"]
    replayed_diff = (tmp_path / "replayed" / "trials" / again.trial_id / "agent.diff").read_text()
    assert replayed_diff == (run_dir / "trials" / "fix-median__openai__0" / "agent.diff").read_text()
