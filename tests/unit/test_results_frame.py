"""Results into numbers without Docker: loading result files, exports, junit.xml, reports, and the
compare / claims commands' exit codes, on run directories written through the result models."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from horizonbench.agents.base import AgentOutcome
from horizonbench.errors import RunError
from horizonbench.models import MilestoneResult, RunConfig, RunManifest, TrialResult, Verdict
from horizonbench.report.report import write_report
from horizonbench.results import export, load
from horizonbench.results.store import RunDir
from horizonbench.scoring import partial_credit, pass_at_1
from tests.helpers import hb


def trial(run_id: str, task: str, attempt: int, status: str, agent: str = "openai", **extra: object) -> TrialResult:
    verdict = None
    if status != "error":
        milestones = [MilestoneResult(name=f"m{i}", passed=status == "passed" or i == 0) for i in range(2)]
        verdict = Verdict(
            status=status,  # type: ignore[arg-type]
            reward=1.0 if status == "passed" else 0.0,
            grader="milestones",
            mode="fresh",
            milestones=milestones,
            furthest_milestone=1 if status == "passed" else 0,
            detail="2/2 milestones" if status == "passed" else "1/2 milestones",
            flags=["edited tests"] if task == "t1" and status == "failed" else [],
        )
    outcome = AgentOutcome(status="submitted", steps=5, input_tokens=1000, output_tokens=100, cost_usd=0.02)
    return TrialResult(
        run_id=run_id,
        trial_id=f"{task}__{agent}__{attempt}",
        task=task,
        suite="s",
        family=f"fam{int(task[1:]) // 2}",
        agent=agent,
        model="m1",
        attempt=attempt,
        status=status,  # type: ignore[arg-type]
        reward=1.0 if status == "passed" else 0.0,
        error="sandbox died" if status == "error" else None,
        error_kind="sandbox" if status == "error" else None,
        verdict=verdict,
        outcome=None if status == "error" else outcome,
        difficulty="easy" if int(task[1:]) < 5 else "hard",
        tags=["x"],
        expert_minutes=float(2 ** (int(task[1:]) % 8)),
        horizon_steps=3 * int(task[1:]) + 1,
        **extra,  # type: ignore[arg-type]
    )


def write_run(root: Path, run_id: str, outcomes: dict[str, list[str]], agent: str = "openai") -> Path:
    run = RunDir(root, run_id)
    config = RunConfig(tasks=[], agents=[agent], attempts=max(len(v) for v in outcomes.values()))
    config.prompts = {agent: {"system.md": "0123456789abcdef"}}
    run.write_manifest(
        RunManifest(run_id=run_id, created_at="2026-01-01T00:00:00+00:00", horizonbench_version="0.1.0", config=config)
    )
    for task, statuses in outcomes.items():
        for attempt, status in enumerate(statuses):
            run.write_result(trial(run_id, task, attempt, status, agent))
    return run.path


OUTCOMES = {
    "t0": ["passed", "passed"],
    "t1": ["failed", "passed"],
    "t2": ["failed", "error"],
    "t3": ["passed", "failed"],
    "t4": ["error", "error"],
    "t5": ["failed", "failed"],
}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_run(tmp_path, "r1", OUTCOMES)


class TestLoad:
    def test_columns_follow_the_result_files(self, run_dir: Path) -> None:
        df = load(run_dir)
        assert len(df) == 12
        row = df.loc[df["trial_id"] == "t1__openai__0"].iloc[0]
        assert row["status"] == "failed" and row["family"] == "fam0" and row["model"] == "m1"
        assert (row["milestones_passed"], row["milestones_total"], row["furthest_milestone"]) == (1, 2, 0)
        assert row["flags"] == ["edited tests"] and row["n_flags"] == 1
        assert row["cost_usd"] == pytest.approx(0.02) and row["input_tokens"] == 1000
        assert row["expert_minutes"] == 2.0 and row["difficulty"] == "easy" and row["tags"] == ["x"]
        error = df.loc[df["trial_id"] == "t4__openai__0"].iloc[0]
        assert error["status"] == "error" and error["error_kind"] == "sandbox"
        assert pd.isna(error["cost_usd"]) and error["milestones_total"] == 0
        # The frame feeds the scoring library directly: errors are left out of rates.
        rate = pass_at_1(df)
        assert rate.n_errors == 3 and rate.n_tasks == 5
        assert rate.estimate == pytest.approx((1 + 0.5 + 0 + 0.5 + 0) / 5)
        assert partial_credit(df).estimate == pytest.approx((2 * 1 + 0.5 + 1 + 0.5 + 1 + 0.5 + 0.5 + 0.5) / 9)

    def test_older_schema_loads_and_a_running_trial_is_skipped(self, run_dir: Path) -> None:
        old = json.loads((run_dir / "trials" / "t0__openai__0" / "result.json").read_text())
        old = {**old, "schema_version": "0", "trial_id": "t9__openai__0", "task": "t9"}
        del old["family"]
        (run_dir / "trials" / "t9__openai__0").mkdir()
        (run_dir / "trials" / "t9__openai__0" / "result.json").write_text(json.dumps(old))
        (run_dir / "trials" / "t8__openai__0").mkdir()  # still running: no result yet
        df = load(run_dir)
        assert len(df) == 13
        assert df.loc[df["task"] == "t9", "family"].item() == "t9"

    def test_bad_inputs_name_the_file(self, run_dir: Path, tmp_path: Path) -> None:
        broken = run_dir / "trials" / "t0__openai__0" / "result.json"
        broken.write_text("{not json")
        with pytest.raises(RunError, match=r"t0__openai__0/result.json: not valid JSON"):
            load(run_dir)
        with pytest.raises(RunError, match="not a run directory"):
            load(tmp_path / "nowhere")

    def test_exports_round_trip(self, run_dir: Path, tmp_path: Path) -> None:
        df = load(run_dir)
        export(df, parquet=tmp_path / "r.parquet", csv=tmp_path / "r.csv")
        for path in (tmp_path / "r.parquet", tmp_path / "r.csv"):
            back = load(path)
            assert list(back.columns) == list(df.columns)
            assert back["flags"].tolist() == df["flags"].tolist()
            assert back["status"].tolist() == df["status"].tolist()
            assert back["cost_usd"].fillna(-1).tolist() == df["cost_usd"].fillna(-1).tolist()
        with pytest.raises(RunError, match="nothing to export"):
            export(df)


class TestReport:
    def test_markdown_html_and_junit(self, run_dir: Path, tmp_path: Path) -> None:
        files = write_report([run_dir], tmp_path / "out", n_bootstrap=100)
        md = files.markdown.read_text()
        assert "| openai/m1 | 6 | 12 | 4 | 5 | 3 |" in md  # errors in their own column
        assert "(k=2)" in md  # two attempts: pass@k and pass^k shown
        assert "openai: system.md" in md and "0123456789abcdef" in md  # prompt hashes from run.json
        for heading in ("## By difficulty", "## By task length (expert minutes)", "## Tasks", "## Cost and tokens"):
            assert heading in md
        assert "| t2 | 0/1 +1 err |" in md
        page = files.html.read_text()
        assert page.count('<img class="plot"') == 4 and "data:image/png;base64," in page
        tree = ET.parse(files.junit)
        cases = tree.getroot().findall(".//testcase")
        assert len(cases) == 12  # one per task x attempt
        assert {c.get("name") for c in cases} >= {"t0 [attempt 0]", "t5 [attempt 1]"}
        root = tree.getroot()
        assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("12", "5", "3")
        failure = next(c for c in cases if c.get("name") == "t5 [attempt 0]").find("failure")
        assert failure is not None and failure.get("message") == "1/2 milestones"
        error = next(c for c in cases if c.get("name") == "t4 [attempt 1]").find("error")
        assert error is not None and error.get("type") == "sandbox" and error.get("message") == "sandbox died"

    def test_report_names_its_methods(self, run_dir: Path, tmp_path: Path) -> None:
        md = write_report([run_dir], tmp_path / "out", n_bootstrap=100).markdown.read_text()
        assert "asked for: cluster-t" in md and "Bell-McCaffrey" in md
        assert "method default: weights=equal, l2=0.1, interval=family-bootstrap" in md
        res = hb("report", run_dir, "--out", tmp_path / "metr", "--horizon-method", "metr", "--bootstrap", "50")
        assert res.returncode == 0, res.stderr
        assert "metr: weights=invsqrt_family, reg=0.1 (METR scale), interval=hierarchical-bootstrap" in res.stdout
        md = (tmp_path / "metr" / "report.md").read_text()
        assert "method metr: weights=invsqrt_family, reg=0.1 (METR scale)" in md and "Kwa et al. 2025" in md
        custom = hb(
            "report",
            run_dir,
            "--out",
            tmp_path / "c",
            "--horizon-method",
            "metr",
            "--horizon-interval",
            "family-bootstrap",
            "--interval",
            "cluster-normal",
            "--bootstrap",
            "50",
        )
        assert custom.returncode == 0, custom.stderr
        md = (tmp_path / "c" / "report.md").read_text()
        assert "custom: weights=invsqrt_family, reg=0.1 (METR scale), interval=family-bootstrap" in md
        assert "asked for: cluster-normal" in md
        bad = hb("report", run_dir, "--out", tmp_path / "b", "--horizon-method", "epoch")
        assert bad.returncode == 2 and "horizon method" in bad.stderr and "Traceback" not in bad.stderr


def test_report_lists_attempts_flagged_for_review(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path, "r1", {"t0": ["passed"], "t1": ["failed"]})
    flagged = trial("r1", "t2", 0, "passed")
    assert flagged.verdict is not None
    flagged.verdict.flags = ["suspicious_change"]
    flagged.verdict.review = ["pkg/__init__.py:3: reaches into pytest's internals (_pytest)"]
    flagged.flags = ["suspicious_change"]
    tampered = trial("r1", "t3", 0, "failed")
    tampered.flags = ["runner_tampered", "pids_limit"]
    run = RunDir(tmp_path, "r1")
    run.write_result(flagged)
    run.write_result(tampered)
    md = write_report([run_dir], tmp_path / "out", n_bootstrap=50).markdown.read_text()
    section = md.split("## Flagged for review", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| t") and "__" in line]
    assert rows[0].startswith("| t2__openai__0 | passed | suspicious_change |")  # passed ones first
    assert rows[1].startswith("| t3__openai__0 | failed | runner_tampered |")  # only review flags shown
    assert len(rows) == 2
    assert "verdict.review" in section


def hundred_tasks(passed: set[int]) -> dict[str, list[str]]:
    return {f"t{i}": ["passed" if i in passed else "failed"] for i in range(100)}


class TestCommands:
    def test_compare_exit_codes(self, tmp_path: Path) -> None:
        base = write_run(tmp_path, "base", hundred_tasks(set(range(60))))
        same = write_run(tmp_path, "same", hundred_tasks(set(range(60))))
        # 18 tasks lost, 3 gained: 15 points lower.
        worse = write_run(tmp_path, "worse", hundred_tasks(set(range(18, 63))))
        ok = hb("compare", base, same)
        assert ok.returncode == 0, ok.stderr
        assert "PASS" in ok.stdout
        bad = hb("compare", base, worse, "--max-drop", "0.05", "--markdown", tmp_path / "cmp.md")
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert "FAIL" in bad.stdout and "one-sided exact McNemar" in bad.stdout
        assert "-15.0 pts" in (tmp_path / "cmp.md").read_text()
        tolerated = hb("compare", base, worse, "--max-drop", "0.2")
        assert tolerated.returncode == 0 and "within the tolerated 20 points" in tolerated.stdout
        for args in (("--max-drop", "5"), ("--alpha", "2")):
            wrong = hb("compare", base, worse, *args)
            assert wrong.returncode == 2 and "Traceback" not in wrong.stderr, wrong.stderr
        missing = hb("compare", base, tmp_path / "nope")
        assert missing.returncode == 2 and "not a run directory" in missing.stderr

    def test_claims_check(self, tmp_path: Path) -> None:
        run = write_run(tmp_path, "r", hundred_tasks(set(range(80))))
        claims = tmp_path / "claims.toml"
        claims.write_text(
            """schema_version = 1

[[claim]]
id = "high"
text = "resolves at least 60%"
kind = "pass_rate"
subject = { model = "m1" }
op = ">="
value = 0.60

[[claim]]
id = "very-high"
text = "resolves at least 95%"
kind = "pass_rate"
subject = { model = "m1" }
op = ">="
value = 0.95

[[claim]]
id = "about-80"
text = "resolves at least 78%"
kind = "pass_rate"
subject = { model = "m1" }
op = ">="
value = 0.78
"""
        )
        res = hb("claims", "check", claims, run, "--markdown", tmp_path / "claims.md")
        assert res.returncode == 0, res.stderr
        verdicts = {
            line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in (tmp_path / "claims.md").read_text().splitlines()[2:]
            if line.startswith("|")
        }
        assert "No correction across the 3 claims" in (tmp_path / "claims.md").read_text()
        assert verdicts == {"high": "supported", "very-high": "contradicted", "about-80": "inconclusive"}
        assert "cluster-t" in res.stdout and "contradicted" in res.stdout
        strict = hb("claims", "check", claims, run, "--strict")
        assert strict.returncode == 1
        bad = tmp_path / "bad.toml"
        bad.write_text('schema_version = 1\n[[claim]]\nid = "x"\ntext = ""\nkind = "pass_rate"\nsubject = {}\n')
        res = hb("claims", "check", bad, run)
        assert res.returncode == 2 and "bad.toml" in res.stderr and "Traceback" not in res.stderr


def test_every_column_that_names_a_result_field_holds_that_field(tmp_path: Path) -> None:
    """The row is built positionally for speed; this ties each position to its column name."""
    from horizonbench.models import Timings
    from horizonbench.results.columns import COLUMNS

    outcome = AgentOutcome(
        status="submitted", steps=7, input_tokens=11, cached_input_tokens=3, output_tokens=13, cost_usd=0.17,
        message="m", malformed_tool_calls=2, retries=5, limit="steps",
    )  # fmt: skip
    timings = Timings(image_s=1.5, start_s=2.5, agent_s=3.5, collect_s=4.5, verifier_s=5.5, test_s=6.5, total_s=7.5)
    r = trial("r", "t9", 4, "passed", timings=timings, image="img", task_hash="hh")
    r.outcome, r.model = outcome, "mm"
    r.started_at, r.finished_at = "2026-01-01T00:00:00", "2026-01-01T00:01:00"
    run = RunDir(tmp_path, "r")
    run.write_result(r)
    row = load(run.path).iloc[0]
    record = r.model_dump(mode="json")
    sources = {**record, **record["outcome"], **record["timings"], "outcome_status": outcome.status}
    checked = [c for c in COLUMNS if c in sources and c not in ("status", "reward", "flags", "tags", "limit")]
    assert len(checked) >= 25
    for column in checked:
        expected = sources[column]
        assert (row[column] == expected) or (expected is None and pd.isna(row[column])), column
    assert row["limit"] == "steps" and row["status"] == "passed" and row["outcome_status"] == "submitted"
