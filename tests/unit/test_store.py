"""Results directory: atomic writes, run manifests, resume refusing a changed config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from horizonbench.errors import RunError
from horizonbench.results.store import RunDir, atomic_write, check_id
from horizonbench.runner.run import RunOptions, expand, prepare
from horizonbench.tasks.loader import load_suite

REPO = Path(__file__).resolve().parents[2]


def test_atomic_write_keeps_old_content_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "result.json"
    atomic_write(target, '{"old": true}')

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(RunError, match="No space left on device"):
        atomic_write(target, '{"new": true}')
    assert target.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def test_atomic_write_into_unwritable_place(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunError, match="cannot write"):
        atomic_write(tmp_path / "file" / "result.json", "{}")


def test_run_ids_are_checked() -> None:
    assert check_id("run-2024.01_a") == "run-2024.01_a"
    for bad in ("", "../escape", "a/b", "x" * 200, "-lead"):
        with pytest.raises(RunError, match="bad run id"):
            check_id(bad)


def test_resume_with_other_config_is_refused(tmp_path: Path) -> None:
    suite = load_suite(REPO / "tasks" / "smoke")
    opts = RunOptions(run_id="r1", agents=["oracle"], attempts=2, results_root=tmp_path)
    run, manifest = prepare(suite.tasks, [suite], opts)
    assert run.manifest_path.is_file() and manifest.suites == {"smoke": "1"}
    again, _ = prepare(suite.tasks, [suite], opts)  # same config: resumes
    assert again.path == run.path
    with pytest.raises(RunError, match=r"different configuration \(attempts 2 vs 3\)"):
        prepare(suite.tasks, [suite], RunOptions(run_id="r1", agents=["oracle"], attempts=3, results_root=tmp_path))
    with pytest.raises(RunError, match=r"agents \['oracle'\] vs \['nop'\]"):
        prepare(suite.tasks, [suite], RunOptions(run_id="r1", agents=["nop"], attempts=2, results_root=tmp_path))


def test_unknown_agent_fails_before_anything_runs(tmp_path: Path) -> None:
    from horizonbench.errors import ConfigError

    suite = load_suite(REPO / "tasks" / "smoke")
    with pytest.raises(ConfigError, match="unknown agent 'gpt-9'"):
        prepare(suite.tasks, [suite], RunOptions(run_id="r2", agents=["gpt-9"], results_root=tmp_path))
    assert not RunDir(tmp_path, "r2").path.exists()


def test_expand_is_stable_and_unique() -> None:
    suite = load_suite(REPO / "tasks" / "smoke")
    specs = expand(suite.tasks, ["oracle", "nop"], 3)
    ids = [s.trial_id for s in specs]
    assert len(ids) == len(set(ids)) == len(suite.tasks) * 2 * 3
    assert ids[0] == "fix-median__oracle__0"
