"""Fetching datasets: pinned commits cloned once from a real local git repository into the cache."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from horizonbench.errors import DatasetError
from horizonbench.tasks import datasets
from horizonbench.tasks.datasets import MARKER, cache_root, expand_refs, fetch_commit, load_dataset
from horizonbench.tasks.loader import load_tasks
from tests.dataset_repo import DatasetRepo, make_repo, write_registry


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HORIZONBENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "datasets"


@pytest.fixture
def repo(tmp_path: Path) -> DatasetRepo:
    return make_repo(tmp_path, tasks=("fruit-sort", "fruit-count"))


def checkouts(cache: Path) -> list[Path]:
    return sorted(p.parent for p in cache.glob(f"*/*/{MARKER}"))


def leftovers(cache: Path) -> list[Path]:
    return sorted(p for p in cache.glob("*/*") if not p.name.endswith(".lock") and not (p / MARKER).is_file())


def test_the_pinned_commit_is_checked_out_sparse_and_recorded(cache: Path, repo: DatasetRepo, tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "registry.json", repo, tasks=("fruit-sort", "fruit-count"))
    fetched = load_dataset("mini@1.0", reg)
    assert cache_root() == cache
    (co,) = fetched.checkouts  # two tasks of one (repository, commit): one clone
    assert co.fetched and co.commit == repo.first and co.path.parent.parent == cache
    assert (co.path / "tasks" / "fruit-sort" / "instruction.md").read_text().startswith("Version 1:")
    assert not (co.path / "tasks" / "extra").exists()  # sparse: only the dataset's folders
    assert not (co.path / ".git").exists()
    marker = json.loads((co.path / MARKER).read_text())
    assert marker["commit"] == repo.first and marker["paths"] == ["tasks/fruit-count", "tasks/fruit-sort"]
    suite = fetched.suite
    assert (suite.name, suite.config.version, [t.name for t in suite.tasks]) == (
        "mini@1.0", "1.0", ["fruit-sort", "fruit-count"]
    )  # fmt: skip
    origin = suite.tasks[0].origin
    assert origin is not None
    assert (origin.dataset, origin.version, origin.commit, origin.git_url, origin.path, origin.pinned) == (
        "mini", "1.0", repo.first, repo.url, "tasks/fruit-sort", True
    )  # fmt: skip
    assert all(t.suite == "mini@1.0" for t in suite.tasks)


def test_a_present_checkout_is_never_fetched_again(cache: Path, repo: DatasetRepo, tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "registry.json", repo)
    first = load_dataset("mini@1.0", reg).checkouts[0]
    shutil.rmtree(repo.bare)  # the repository is gone: only the cache can answer now
    again = load_dataset("mini@1.0", reg).checkouts[0]
    assert not again.fetched and again.path == first.path and again.commit == repo.first
    assert checkouts(cache) == [first.path]


def test_unpinned_tasks_follow_the_branch_tip_and_say_so(cache: Path, repo: DatasetRepo, tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "registry.json", repo)
    fetched = load_dataset("mini@head", reg)
    task = fetched.suite.tasks[0]
    assert fetched.checkouts[0].commit == repo.second and task.instruction.startswith("Version 2:")
    assert task.origin is not None and task.origin.commit == repo.second and not task.origin.pinned
    assert load_dataset("mini", reg).spec.version == "head"  # no version: head, as Harbor takes it


def test_an_abbreviated_commit_id_resolves_to_the_full_one(cache: Path, repo: DatasetRepo) -> None:
    co = fetch_commit(repo.url, repo.first[:10], ["tasks/fruit-sort"])
    assert co.commit == repo.first and co.path.name.startswith(repo.first)
    assert fetch_commit(repo.url, repo.first, ["tasks/fruit-sort"]).fetched is False


def test_a_commit_not_in_the_repository_is_a_clear_error_leaving_nothing(cache: Path, repo: DatasetRepo) -> None:
    bad = "deadbeef" * 5
    with pytest.raises(DatasetError) as info:
        fetch_commit(repo.url, bad, ["tasks/fruit-sort"])
    message = str(info.value)
    assert message == f"{repo.url}: commit {bad} is not in the repository"
    with pytest.raises(DatasetError, match=f"{repo.url}: commit deadbee is not in the repository"):
        fetch_commit(repo.url, "deadbee", ["tasks/fruit-sort"])  # abbreviated: searched in the branches
    assert checkouts(cache) == [] and leftovers(cache) == []


def test_a_folder_missing_at_the_commit_is_an_error_leaving_nothing(cache: Path, repo: DatasetRepo) -> None:
    with pytest.raises(DatasetError, match=rf"{repo.url}: commit {repo.first[:12]} has no folder 'tasks/nope'"):
        fetch_commit(repo.url, repo.first, ["tasks/nope"])
    assert checkouts(cache) == [] and leftovers(cache) == []


def test_an_unreachable_repository_names_its_url_without_credentials(cache: Path, tmp_path: Path) -> None:
    url = (tmp_path / "no-such.git").as_uri()
    with pytest.raises(DatasetError, match=rf"^{url}: git fetch failed: .+"):
        fetch_commit(url, "a" * 40, ["t"])
    with pytest.raises(DatasetError) as info:
        datasets.resolve_head("http://user:hunter2-secret@127.0.0.1:9/r.git")
    assert "hunter2" not in str(info.value) and "http://127.0.0.1:9/r.git" in str(info.value)
    assert leftovers(cache) == []


def test_concurrent_fetches_clone_once_and_agree(
    cache: Path, repo: DatasetRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    clones: list[Path] = []
    real = datasets._clone_into

    def counting(tmp: Path, *args: object) -> str:
        clones.append(tmp)
        return real(tmp, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(datasets, "_clone_into", counting)
    results: list[datasets.Checkout] = []
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            results.append(fetch_commit(repo.url, repo.first, ["tasks/fruit-sort"]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(clones) == 1
    assert sorted(r.fetched for r in results) == [False, False, False, True]
    assert {r.path for r in results} == {results[0].path} and leftovers(cache) == []


def test_a_local_task_is_relative_to_the_registry_file(cache: Path, tmp_path: Path) -> None:
    from tests.dataset_repo import write_task

    write_task(tmp_path, "here", 1)
    reg = tmp_path / "registry.json"
    reg.write_text(json.dumps([{"name": "loc", "version": "1", "description": "", "tasks": [
        {"name": "here", "path": "tasks/here"}]}]))  # fmt: skip
    fetched = load_dataset("loc@1", reg)
    task = fetched.suite.tasks[0]
    assert fetched.checkouts == [] and task.path == (tmp_path / "tasks" / "here").resolve()
    assert task.origin is not None and task.origin.commit is None and task.origin.git_url is None


def test_datasets_and_folders_mix_on_the_command_line(cache: Path, repo: DatasetRepo, tmp_path: Path) -> None:
    reg = write_registry(tmp_path / "registry.json", repo)
    smoke = Path(__file__).resolve().parents[2] / "tasks" / "smoke"
    tasks, suites = load_tasks(expand_refs([Path("mini@1.0"), smoke], str(reg)))
    assert [s.name for s in suites] == ["mini@1.0", "smoke"]
    assert tasks[0].name == "fruit-sort" and tasks[0].origin is not None
    assert all(t.origin is None for t in tasks[1:])
    with pytest.raises(DatasetError, match=r"dataset mini@9 is not in registry .* \(versions of mini: 1.0, head\)"):
        expand_refs([Path("mini@9")], str(reg))


def test_a_task_runs_under_its_folder_name_and_keeps_the_registry_name(
    cache: Path, repo: DatasetRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reg = tmp_path / "registry.json"
    entry = {"name": "sorting", "git_url": repo.url, "git_commit_id": repo.first, "path": "tasks/fruit-sort"}
    reg.write_text(json.dumps([{"name": "n", "version": "1", "description": "", "tasks": [entry]}]))
    with caplog.at_level("WARNING"):
        (task,) = load_dataset("n@1", reg).suite.tasks
    assert task.name == "fruit-sort" and task.origin is not None and task.origin.task == "sorting"
    assert "task 'sorting' is the folder tasks/fruit-sort" in caplog.text


def test_bad_registries_and_names_are_one_line_on_the_command_line(cache: Path, tmp_path: Path) -> None:
    from tests.helpers import hb

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "version": "1", "tasks": [{"name": "t", "path": "/abs"}]}]))
    for args in (("datasets", "list", "--registry", bad), ("run", "x@1", "--registry", bad)):
        res = hb(*args)
        assert res.returncode == 2, res.stdout + res.stderr
        assert res.stderr.strip() == (
            f"error: registry {bad}: dataset 'x': tasks.0.path: '/abs' must be a relative path inside the checkout"
        )


def test_a_fetch_killed_midway_leaves_a_folder_the_next_fetch_removes(cache: Path, repo: DatasetRepo) -> None:
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    folder = datasets.repo_dir(repo.url)
    abandoned = folder / f".tmp-{dead.stdout.strip()}-0123"
    (abandoned / "tasks").mkdir(parents=True)
    mine = folder / f".tmp-{os.getpid()}-4567"  # a live process's fetch is left alone
    mine.mkdir()
    fetch_commit(repo.url, repo.first, ["tasks/fruit-sort"])
    assert not abandoned.exists() and mine.exists()


def test_a_checkout_another_run_renamed_into_place_first_is_used(
    cache: Path, repo: DatasetRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = datasets._clone_into
    paths = ["tasks/fruit-sort"]

    def racing(tmp: Path, url: str, commit: str, wanted: list[str]) -> str:
        full = real(tmp, url, commit, wanted)
        shutil.copytree(tmp, datasets._checkout_dir(url, full, wanted))  # the other run (full id) wins
        return full

    monkeypatch.setattr(datasets, "_clone_into", racing)
    co = fetch_commit(repo.url, repo.first[:8], paths)  # abbreviated: another lock than the full id's
    assert not co.fetched and co.path == datasets._checkout_dir(repo.url, repo.first, paths)
    assert checkouts(cache) == [co.path] and leftovers(cache) == []


def test_two_processes_fetching_at_once_share_one_clone(cache: Path, repo: DatasetRepo, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers import REPO

    reg = write_registry(tmp_path / "registry.json", repo)
    command = [sys.executable, "-m", "horizonbench.cli", "datasets", "fetch", "mini@1.0", "--registry", str(reg)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "300"}
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    states = sorted(out.split()[0] for out, _ in outs)
    assert states == ["cached", "fetched"], outs
    assert len(checkouts(cache)) == 1 and leftovers(cache) == []


def test_a_fetched_folder_that_is_no_task_names_the_dataset(cache: Path, repo: DatasetRepo, tmp_path: Path) -> None:
    reg = tmp_path / "registry.json"
    entry = {"name": "extra", "git_url": repo.url, "git_commit_id": repo.first, "path": "tasks/extra"}
    reg.write_text(json.dumps([{"name": "n", "version": "1", "description": "", "tasks": [entry]}]))
    with pytest.raises(DatasetError, match=r"^dataset n@1: .*/tasks/extra: not a task directory \(no task.toml\)$"):
        expand_refs(["n@1"], str(reg))
