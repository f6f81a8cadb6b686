"""The columnar index of a run: appended as trials finish, sealed at the end, read without the
result files while sealed, reconciled with them when not, rebuilt where missing."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from horizonbench.models import TrialResult
from horizonbench.results import load
from horizonbench.results.index import INDEX_DIR, SEALED, IndexWriter, index_run, is_sealed
from horizonbench.results.store import RunDir


def _result(i: int, status: str = "passed") -> TrialResult:
    return TrialResult(
        run_id="r", trial_id=f"t{i:03d}__a__0", task=f"t{i:03d}", agent="a", attempt=0, status=status,  # type: ignore[arg-type]
        reward=1.0 if status == "passed" else 0.0, tags=["x"] if i % 2 else [], flags=[],
    )  # fmt: skip


def _write(run: RunDir, results: list[TrialResult]) -> None:
    with IndexWriter(run.path) as index:
        for r in results:
            run.trial_dir(r.trial_id).mkdir(parents=True, exist_ok=True)
            run.write_result(r)
            index.add(r)


def test_a_sealed_index_is_read_without_the_result_files(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "r")
    _write(run, [_result(i) for i in range(20)])
    assert is_sealed(run.path) and len(list((run.path / INDEX_DIR).glob("part-*.parquet"))) == 1
    by_files = load(run.path)  # reference: what the result files say
    # Break a result file behind the index's back: a sealed index does not read it.
    (run.trial_dir("t005__a__0") / "result.json").write_text("not json")
    from_index = load(run.path)
    pd.testing.assert_frame_equal(from_index, by_files)
    assert from_index["tags"].tolist()[:2] == [[], ["x"]]


def test_an_unsealed_or_changed_index_is_reconciled_with_the_files(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "r")
    _write(run, [_result(i) for i in range(5)])
    # A run killed after writing two more results that never reached the index, and a rerun.
    (run.path / INDEX_DIR / SEALED).unlink()
    for r in (_result(5), _result(6), _result(2, "failed")):
        run.trial_dir(r.trial_id).mkdir(parents=True, exist_ok=True)
        run.write_result(r)
    df = load(run.path)
    assert df["trial_id"].tolist() == [f"t{i:03d}__a__0" for i in range(7)]
    assert df.set_index("trial_id").loc["t002__a__0", "status"] == "failed"
    # A trial directory added after sealing changes trials/: reconciled too.
    assert index_run(run.path) == (7, "reconciled") and is_sealed(run.path)
    extra = _result(7)
    run.trial_dir(extra.trial_id).mkdir(parents=True)
    run.write_result(extra)
    assert not is_sealed(run.path) and len(load(run.path)) == 8


def test_a_run_without_an_index_gets_one_and_rebuild_rereads_everything(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "r")
    for r in (_result(1), _result(2)):
        run.write_result(r)
    assert not (run.path / INDEX_DIR).exists()
    assert len(load(run.path)) == 2 and is_sealed(run.path)
    edited = _result(1, "failed")  # edited by hand inside its trial directory: only a rebuild sees it
    run.write_result(edited)
    os.utime(run.path / "trials", ns=(0, (run.path / "trials").stat().st_mtime_ns))
    assert set(load(run.path)["status"]) == {"passed"}
    assert index_run(run.path, rebuild=True) == (2, "rebuilt from the result files")
    assert sorted(load(run.path)["status"]) == ["failed", "passed"]
