"""The results viewer on runs written to disk the way the runner writes them: the trials
table's filters, sorting and pages, each page through the web app, and the static export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from horizonbench.models import AgentOutcome, RunConfig, RunManifest, TaskEntry, TrialResult, Verdict
from horizonbench.models.trajectory import header_line
from horizonbench.results.store import RunDir
from horizonbench.view import Links, export_site, make_app, open_runs
from horizonbench.view.table import TrialQuery, select

DIFF = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-old = 1\n+new = 2\n"
EVIL = "<script>alert('x')</script>"


def _result(run_id: str, task: str, attempt: int, status: str, **extra: object) -> TrialResult:
    verdict = None
    if status != "error":
        verdict = Verdict(
            status=status,  # type: ignore[arg-type]
            reward=1.0 if status == "passed" else 0.0,
            grader="swebench",
            mode="fresh",
            tests={
                "FAIL_TO_PASS": {
                    "success": ["t::a"] if status == "passed" else [],
                    "failure": [] if status == "passed" else ["t::a"],
                }
            },
            detail="ok" if status == "passed" else "tests failed",
        )
    return TrialResult(
        run_id=run_id,
        trial_id=f"{task}__agent__{attempt}",
        task=task,
        family=task,
        agent="agent",
        model="m1",
        attempt=attempt,
        status=status,  # type: ignore[arg-type]
        reward=1.0 if status == "passed" else 0.0,
        verdict=verdict,
        error="sandbox died" if status == "error" else None,
        error_kind="sandbox" if status == "error" else None,
        outcome=None
        if status == "error"
        else AgentOutcome(
            status="submitted",
            steps=attempt + 1,
            input_tokens=100 * (attempt + 1),
            output_tokens=10,
            cost_usd=0.01 * (attempt + 1),
        ),
        **extra,  # type: ignore[arg-type]
    )


def write_run(root: Path, run_id: str, outcomes: dict[str, list[str]], tasks_dir: Path) -> Path:
    """A run of one agent: task -> the status of each attempt."""
    run = RunDir(root, run_id)
    entries = []
    for task, statuses in outcomes.items():
        (tasks_dir / task).mkdir(parents=True, exist_ok=True)
        (tasks_dir / task / "instruction.md").write_text(f"Fix {task}. {EVIL}\n")
        entries.append(TaskEntry(name=task, path=str(tasks_dir / task), hash="ab" * 32))
        for attempt, status in enumerate(statuses):
            flags = ["touched_protected"] if task == "t1" and attempt == 1 else []
            result = _result(run_id, task, attempt, status, flags=flags)
            if status == "failed" and task == "t2":
                assert result.outcome is not None
                result.outcome.limit = "steps"
                result.outcome.status = "budget_exhausted"
            run.write_result(result)
            d = run.trial_dir(result.trial_id)
            (d / "agent.diff").write_text(DIFF)
            (d / "verifier.log").write_text("collected 1 item\n" + EVIL + "\n")
            (d / "trajectory.jsonl").write_text(
                "\n".join(
                    [
                        header_line(result.trial_id),
                        '{"t": 0.1, "kind": "model_call", "step": 1, "latency": 0.2, "text": "let me look",'
                        ' "tool_calls": [{"id": "c1", "name": "bash", "arguments": "{\\"command\\": \\"ls\\"}"}],'
                        ' "usage": {"input_tokens": 10, "output_tokens": 2}, "cost": 0.001}',
                        '{"t": 0.3, "kind": "tool_call", "step": 1, "id": "c1", "name": "bash", "form": "native",'
                        ' "arguments": {"command": "ls"}, "output": "'
                        + EVIL.replace("'", "")
                        + '", "is_error": false}',
                    ]
                )
                + "\n"
            )
    config = RunConfig(tasks=entries, agents=["agent"], attempts=3, prompts={"agent": {"system.md": "0123abcd"}})
    run.write_manifest(
        RunManifest(run_id=run_id, created_at="2026-01-01T00:00:00+00:00", horizonbench_version="0", config=config)
    )
    return run.path


@pytest.fixture
def runs(tmp_path: Path) -> list[Path]:
    tasks = tmp_path / "tasks"
    a = write_run(tmp_path, "base", {"t1": ["passed", "failed", "passed"], "t2": ["failed", "error", "failed"]}, tasks)
    b = write_run(tmp_path, "cand", {"t1": ["passed", "passed", "passed"], "t2": ["failed", "failed", "failed"]}, tasks)
    return [a, b]


@pytest.fixture
def client(runs: list[Path]) -> TestClient:
    return TestClient(make_app(open_runs(runs)), base_url="http://127.0.0.1")


def test_a_results_directory_opens_every_run_in_it(runs: list[Path]) -> None:
    assert [r.key for r in open_runs([runs[0].parent])] == ["base", "cand"]
    assert [r.key for r in open_runs([runs[0], runs[0]])] == ["base", "base-2"]


def test_select_filters_sorts_and_pages(runs: list[Path]) -> None:
    df = open_runs(runs[:1])[0].table()
    assert len(df) == 6
    failed = select(df, TrialQuery(status="failed"))
    assert failed.total == 3 and set(failed.rows["status"]) == {"failed"}
    assert list(select(df, TrialQuery(flag="touched_protected")).rows["trial_id"]) == ["t1__agent__1"]
    assert set(select(df, TrialQuery(limit="any")).rows["trial_id"]) == {"t2__agent__0", "t2__agent__2"}
    by_cost = select(df, TrialQuery(sort="cost", desc=True)).rows
    assert by_cost["cost_usd"].iloc[0] == pytest.approx(0.03) and by_cost["cost_usd"].isna().iloc[-1]
    paged = select(df, TrialQuery(page=2), page_size=4)
    assert paged.pages == 2 and paged.page == 2 and len(paged.rows) == 2
    assert select(df, TrialQuery(page=99), page_size=4).page == 2


def test_query_round_trips_through_parameters() -> None:
    q = TrialQuery.parse({"status": "failed", "sort": "tokens", "order": "desc", "page": "3", "bogus": "1"})
    assert q == TrialQuery(status="failed", sort="tokens", desc=True, page=3)
    assert TrialQuery.parse(q.params()) == q
    assert TrialQuery.parse({"sort": "drop table", "page": "x"}) == TrialQuery()


def test_runs_page_shows_manifest_counts_and_pass_rate(client: TestClient) -> None:
    html = client.get("/index.html").text
    assert "0123abcd" in html and "system.md" in html  # prompt hashes from the manifest
    # base: t1 2/3, t2 0/2 (an error left out) -> pass@1 33.3%, with its interval
    section = html.split('id="run-base"')[1].split('id="run-cand"')[0]
    assert "33.3%" in section and re.search(r"\[\d+\.\d%, \d+\.\d%\]", section)
    assert "/compare/base/cand.html" in html


def test_trials_page_filters_failed_trials(client: TestClient) -> None:
    html = client.get("/runs/base/trials.html", params={"status": "failed"}).text
    statuses = re.findall(r'data-status="(\w+)"', html)
    assert statuses == ["failed"] * 3
    html = client.get("/runs/base/trials.html", params={"sort": "steps", "order": "desc"}).text
    assert re.findall(r'data-status="(\w+)"', html)[0] in ("passed", "failed")
    assert client.get("/runs/nowhere/trials.html").status_code == 404


def test_trial_page_escapes_everything_it_shows(client: TestClient) -> None:
    r = client.get("/runs/base/trials/t1__agent__1.html")
    assert r.status_code == 200
    html = r.text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<span class="add">+new = 2</span>' in html and '<span class="del">-old = 1</span>' in html
    assert 'class="tool-name">bash<' in html and "let me look" in html
    assert "touched_protected" in html and "restored from the task" in html
    assert "t::a" in html and "Fix t1." in html


def test_bad_trial_ids_do_not_leave_the_run(client: TestClient) -> None:
    assert client.get("/runs/base/trials/..%2f..%2frun.html").status_code == 404
    assert client.get("/runs/base/trials/nope.html").status_code == 404


def test_compare_lists_the_task_that_differs_and_opens_both_trials(client: TestClient) -> None:
    html = client.get("/compare/base/cand.html").text
    differing = re.findall(r'<tr class="differs">\s*<td>([^<]+)</td>', html)
    assert differing == ["t1"]
    pair = re.search(r'href="(/compare/base/cand/[^"]+)"', html)
    assert pair is not None
    side = client.get(pair.group(1)).text
    assert side.count('class="side"') == 2 and side.count('<span class="add">+new = 2</span>') == 2


def test_export_writes_pages_whose_links_resolve(runs: list[Path], tmp_path: Path) -> None:
    site = tmp_path / "site"
    n = export_site(open_runs(runs), site)
    pages = sorted(site.rglob("*.html"))
    assert n == len(pages) and (site / "runs" / "base" / "trials-failed.html").is_file()
    for page in pages:
        for href in re.findall(r'href="([^"#]+)"', page.read_text()):
            assert (page.parent / href).resolve().is_file(), f"{page}: dead link {href}"
    failed = (site / "runs" / "base" / "trials-failed.html").read_text()
    assert re.findall(r'data-status="(\w+)"', failed) == ["failed"] * 3


def test_static_links_are_relative() -> None:
    links = Links(root="../../", static=True)
    assert links.trials("r", TrialQuery(status="failed", page=2)) == "../../runs/r/trials-failed-p2.html"
    assert Links().trials("r", TrialQuery(status="failed", page=2)) == "/runs/r/trials.html?status=failed&page=2"


def test_report_links_to_a_viewer_exported_beside_it(runs: list[Path], tmp_path: Path) -> None:
    from horizonbench.report.report import write_report

    out = tmp_path / "report"
    export_site(open_runs(runs), out / "viewer")
    page = write_report(runs, out, n_bootstrap=20).html
    link = re.search(r'<a id="viewer-link" href="([^"]+)"', page.read_text())
    assert link is not None and (out / link.group(1)).is_file()
    alone = write_report(runs, tmp_path / "plain", n_bootstrap=20).html
    assert "viewer-link" not in alone.read_text()


def test_a_run_still_going_shows_new_trials_and_is_not_sealed(runs: list[Path]) -> None:
    from horizonbench.results.index import SEALED, IndexWriter

    run = open_runs(runs[:1])[0]
    assert len(run.table()) == 6 and (runs[0] / "index" / SEALED).is_file()  # a finished run: sealed once
    writer = IndexWriter(runs[0])  # a run resumed: its index is unsealed while it goes
    RunDir(runs[0].parent, "base").write_result(_result("base", "t3", 0, "passed"))
    table = run.table()
    assert "t3__agent__0" in set(table["trial_id"]) and len(table) == 7
    assert not (runs[0] / "index" / SEALED).exists()
    writer.close()
    assert (runs[0] / "index" / SEALED).is_file() and len(run.table()) == 7


def test_the_app_listens_on_loopback_and_answers_only_local_hosts(runs: list[Path]) -> None:
    from horizonbench.view import bind

    sock = bind(0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1" and sock.getsockname()[1] > 0
    finally:
        sock.close()
    app = make_app(open_runs(runs))
    assert TestClient(app, base_url="http://localhost:8000").get("/index.html").status_code == 200
    assert TestClient(app, base_url="http://evil.example").get("/index.html").status_code == 400


def test_gateway_exchanges_of_agent_clis_are_shown(runs: list[Path], client: TestClient) -> None:
    exchange = {
        "t": 1.0,
        "kind": "gateway_exchange",
        "protocol": "openai",
        "status": 200,
        "latency": 0.4,
        "request_messages": 3,
        "request": [{"role": "user", "content": "run the tests"}],
        "response": {"choices": [{"message": {"content": "I will run pytest"}}]},
        "usage": {"input_tokens": 30, "output_tokens": 5},
        "cost": 0.002,
    }
    trajectory = runs[0] / "trials" / "t1__agent__0" / "trajectory.jsonl"
    trajectory.write_text(trajectory.read_text() + json.dumps(exchange) + "\n")
    html = client.get("/runs/base/trials/t1__agent__0.html").text
    step = html.split('class="step gateway_exchange"')[1]
    assert "openai, HTTP 200, latency 0.4 s, 3 message(s) sent" in step
    assert "run the tests" in step and "I will run pytest" in step


def test_command_line_errors_are_one_line(runs: list[Path], tmp_path: Path) -> None:
    from horizonbench.cli.app import app
    from horizonbench.errors import RunError
    from horizonbench.view import bind

    runner = CliRunner()
    res = runner.invoke(app, ["view", str(tmp_path / "nowhere")])
    assert isinstance(res.exception, RunError) and "not a run directory" in str(res.exception)
    taken = bind(0)
    try:
        res = runner.invoke(app, ["view", str(runs[0]), "--port", str(taken.getsockname()[1])])
        assert isinstance(res.exception, RunError) and "pick another with --port" in str(res.exception)
    finally:
        taken.close()
    res = runner.invoke(app, ["view", "--export", str(tmp_path / "site"), *map(str, runs)])
    assert res.exit_code == 0 and "wrote" in res.stdout and (tmp_path / "site" / "index.html").is_file()
    res = runner.invoke(app, ["results", "export-atif", str(runs[0]), "--out", str(tmp_path / "atif")])
    assert res.exit_code == 0 and len(list((tmp_path / "atif").glob("*.json"))) == 6


def test_an_unfinished_trial_with_a_broken_trajectory_still_opens(runs: list[Path], client: TestClient) -> None:
    trial = runs[0] / "trials" / "t9__agent__0"
    trial.mkdir()
    (trial / "trajectory.jsonl").write_text('{"kind": "note", "text": "hi"}\nnot json\n')
    r = client.get("/runs/base/trials/t9__agent__0.html")
    assert r.status_code == 200
    assert "No result.json" in r.text and "trajectory.jsonl:2: not a JSON line" in r.text
    assert 'class="step note"' in r.text
