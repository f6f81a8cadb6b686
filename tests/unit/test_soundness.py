"""The soundness cache: keyed by a task's content hash, the gold log kept beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from horizonbench.models.soundness import Soundness
from horizonbench.tasks import soundness
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO

TASK = REPO / "tasks" / "swe" / "toolz-get-in-index"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HORIZONBENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "soundness"


def test_a_record_is_found_for_the_same_content_only(cache: Path, tmp_path: Path) -> None:
    shutil.copytree(TASK, tmp_path / "t", ignore=shutil.ignore_patterns("wheelhouse", "__pycache__"))
    task = load_task(tmp_path / "t")
    assert soundness.cached(task) is None
    log = tmp_path / "verifier.log"
    log.write_text("FAILED toolz/tests/test_x.py::test_y\n")
    record = Soundness(
        task=task.name,
        content_hash=task.content_hash(),
        gold="failed",
        noop="failed",
        gold_detail="RESOLVED_NO: 0/1 listed tests pass",
    )
    stored = soundness.store(record, log)
    assert Path(stored.gold_log).parent == cache and Path(stored.gold_log).read_text() == log.read_text()
    again = soundness.cached(task)
    assert again is not None and not again.sound and again.gold_log == stored.gold_log
    assert again.reason().startswith("the gold patch does not resolve this instance: failed, RESOLVED_NO")
    assert f"(log: {stored.gold_log})" in again.reason()

    (tmp_path / "t" / "instruction.md").write_text("edited\n")  # new content, new key
    assert soundness.cached(load_task(tmp_path / "t")) is None


def test_infrastructure_errors_are_not_kept_and_bad_records_are_ignored(cache: Path) -> None:
    task = load_task(TASK)
    soundness.store(Soundness(task=task.name, content_hash=task.content_hash(), gold="error", noop="failed"))
    assert soundness.cached(task) is None
    cache.mkdir(parents=True, exist_ok=True)
    (cache / f"{task.content_hash()}.json").write_text("{not json")
    assert soundness.cached(task) is None
    ok = Soundness(task=task.name, content_hash=task.content_hash(), gold="passed", noop="failed")
    assert ok.sound and ok.reason() == "sound"
    noop_passes = ok.model_copy(update={"noop": "passed", "noop_detail": "RESOLVED_FULL"})
    assert not noop_passes.sound and "already passes" in noop_passes.reason()
