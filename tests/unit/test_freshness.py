"""Tasks carry a creation date; claims and reports split results on a model's training cut-off."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from horizonbench.errors import ClaimsFileError
from horizonbench.scoring import PassRateClaim, check_claims
from horizonbench.tasks.loader import load_task
from horizonbench.tasks.swebench_io import _created


def rows() -> pd.DataFrame:
    """20 tasks from 2024 (all solved) and 20 from 2025-07 on (one solved): a memorising model."""
    out = []
    for i in range(40):
        old = i < 20
        out.append(
            {
                "task": f"t{i:02d}",
                "suite": "swe",
                "family": f"f{i % 8}",
                "agent": "openai",
                "model": "m",
                "status": "passed" if old or i == 20 else "failed",
                "task_created": f"2024-0{1 + i % 9}-15" if old else f"2025-{7 + i % 5:02d}-03",
                "expert_minutes": 10.0,
                "cost_usd": 0.0,
            }
        )
    out.append(out[0] | {"task": "undated", "task_created": ""})
    return pd.DataFrame(out)


def claim(**kw: object) -> PassRateClaim:
    base = {"id": "c", "text": "t", "kind": "pass_rate", "subject": {"model": "m"}, "op": ">=", "value": 0.3}
    return PassRateClaim.model_validate(base | kw)


def test_a_claim_on_fresh_tasks_only_sees_the_drop() -> None:
    everything, fresh = check_claims([claim(), claim(id="fresh", created_after="2025-06-30")], rows())
    assert everything.verdict == "supported" and everything.n_tasks == 41
    assert fresh.verdict == "contradicted" and fresh.n_tasks == 20 and fresh.estimate == pytest.approx(0.05)
    (old,) = check_claims([claim(id="old", created_before="2025-06-30")], rows())
    assert old.verdict == "supported" and old.n_tasks == 20  # the undated task is left out


def test_a_window_with_no_tasks_is_a_one_line_error() -> None:
    with pytest.raises(ClaimsFileError, match=r"created_after/created_before: no trials .* without metadata.created"):
        check_claims([claim(created_after="2030-01-01")], rows())


def test_the_report_table_splits_on_the_cutoff() -> None:
    from horizonbench.report.analysis import Analysis
    from horizonbench.report.probes import freshness_table as _freshness

    analysis = Analysis(rows(), [], [], pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), 0.95)
    table = _freshness(analysis, "2025-06-30")
    (row,) = table.rows
    assert row[0] == "openai / m" and row[1].startswith("100.0%") and row[2] == "20"
    assert row[3].startswith("5.0%") and row[4] == "20" and row[5] == "1"


def test_task_toml_created_and_swebench_created_at(tmp_path: Path) -> None:
    task = tmp_path / "t"
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "environment" / "Dockerfile").write_text("FROM horizonbench/base:bookworm\n")
    (task / "tests" / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    (task / "instruction.md").write_text("Do it.\n")
    (task / "task.toml").write_text("[metadata]\ncreated = 2025-08-01\n\n[verifier]\ntimeout_sec = 10\n")
    assert load_task(task).created == "2025-08-01"
    assert _created({"created_at": "2023-01-05T11:43:22Z"}) == "created = 2023-01-05\n"
    assert _created({"created_at": ""}) == ""
