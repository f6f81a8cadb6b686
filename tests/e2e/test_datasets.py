"""``horizonbench run NAME@VERSION``: a Harbor-format dataset cloned from a local bare git
repository at the commit its registry pins, run with real containers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from horizonbench.models import RunManifest, TrialResult
from horizonbench.tasks.datasets import MARKER
from tests.dataset_repo import make_repo, write_registry
from tests.helpers import hb

pytestmark = pytest.mark.docker


def test_a_dataset_by_name_runs_at_its_pinned_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_image: str
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("HORIZONBENCH_CACHE", str(cache))
    monkeypatch.delenv("HORIZONBENCH_REGISTRY", raising=False)
    repo = make_repo(tmp_path)
    bad = {
        "name": "broken",
        "version": "1.0",
        "description": "pins a commit the repository lacks",
        "tasks": [{"name": "fruit-sort", "git_url": repo.url, "git_commit_id": "f" * 40, "path": "tasks/fruit-sort"}],
    }
    registry = write_registry(tmp_path / "registry.json", repo, extra=[bad])

    listed = hb("datasets", "list", "--registry", registry)
    assert listed.returncode == 0, listed.stderr
    for ref in ("mini@1.0", "mini@head", "broken@1.0"):
        assert ref in listed.stdout
    assert "3 dataset(s)" in listed.stdout

    # The registry comes from the environment as well as from --registry.
    monkeypatch.setenv("HORIZONBENCH_REGISTRY", str(registry))
    shown = hb("tasks", "list", "mini@1.0")
    assert shown.returncode == 0, shown.stderr
    assert "fruit-sort" in shown.stdout and "mini@1.0" in shown.stdout and "1 task(s)" in shown.stdout
    (checkout,) = [p.parent for p in cache.glob(f"datasets/*/*/{MARKER}")]
    assert checkout.name.startswith(repo.first)

    results = tmp_path / "results"
    args = ("--agent", "oracle", "--agent", "nop", "--results", results, "--no-progress")
    res = hb("run", "mini@1.0", "--run-id", "first", *args)
    assert res.returncode == 0, res.stdout + res.stderr
    trials = results / "first" / "trials"
    oracle = TrialResult.model_validate_json((trials / "fruit-sort__oracle__0" / "result.json").read_text())
    nop = TrialResult.model_validate_json((trials / "fruit-sort__nop__0" / "result.json").read_text())
    assert (oracle.status, oracle.reward) == ("passed", 1.0), oracle.error
    assert (nop.status, nop.reward) == ("failed", 0.0)
    assert oracle.suite == "mini@1.0"

    manifest = RunManifest.model_validate_json((results / "first" / "run.json").read_text())
    assert manifest.suites == {"mini@1.0": "1.0"}
    (entry,) = manifest.config.tasks
    assert entry.dataset is not None
    assert (entry.dataset.dataset, entry.dataset.version, entry.dataset.commit, entry.dataset.git_url) == (
        "mini", "1.0", repo.first, repo.url
    )  # fmt: skip
    assert Path(entry.path) == checkout / "tasks" / "fruit-sort"
    assert "Version 1:" in (checkout / "tasks" / "fruit-sort" / "instruction.md").read_text()
    report = hb("report", results / "first", "--out", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "report" / "report.md").read_text()
    assert "## Datasets" in text and f"| first | mini@1.0 | {repo.url} | {repo.first} | 1 |" in text

    # A commit the repository lacks: one line naming the repository, no traceback, nothing cached.
    failed = hb("run", "broken@1.0", "--agent", "oracle", "--results", results, "--no-progress")
    assert failed.returncode == 2
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == f"error: {repo.url}: commit {'f' * 40} is not in the repository", (
        failed.stderr
    )
    assert "Traceback" not in failed.stderr
    assert len(list(cache.glob(f"datasets/*/*/{MARKER}"))) == 1
    assert not [p for p in cache.glob("datasets/*/.tmp-*")]

    # A second run clones nothing: with the repository gone, the cache alone serves it.
    before = {p: p.stat().st_mtime_ns for p in checkout.rglob("*")}
    shutil.rmtree(repo.bare)
    fetched = hb("datasets", "fetch", "mini@1.0")
    assert fetched.returncode == 0, fetched.stderr
    assert f"cached {repo.url} at {repo.first[:12]}" in fetched.stdout and "1 task(s) ready" in fetched.stdout
    again = hb("run", "mini@1.0", "--run-id", "second", "--agent", "oracle", "--results", results, "--no-progress")
    assert again.returncode == 0, again.stdout + again.stderr
    second = TrialResult.model_validate_json(
        (results / "second" / "trials" / "fruit-sort__oracle__0" / "result.json").read_text()
    )
    assert second.status == "passed"
    assert {p: p.stat().st_mtime_ns for p in checkout.rglob("*")} == before
    assert len(list(cache.glob(f"datasets/*/*/{MARKER}"))) == 1

    unknown = hb("run", "mini@7", "--agent", "oracle", "--results", results, "--no-progress")
    assert unknown.returncode == 2
    assert "dataset mini@7 is not in registry" in unknown.stderr and "versions of mini: 1.0, head" in unknown.stderr
    json.loads(registry.read_text())  # the registry file is left as it was
