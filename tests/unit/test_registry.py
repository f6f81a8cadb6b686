"""Dataset registries in Harbor's format: parsing, bad input, NAME@VERSION resolution, sources."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from horizonbench.errors import DatasetError
from horizonbench.tasks.registry import (
    DEFAULT_REGISTRY_URL,
    is_dataset_ref,
    parse_registry,
    read_registry,
    registry_source,
    resolve,
    resolve_version,
    safe_url,
    split_ref,
)

SHA = "0123456789abcdef0123456789abcdef01234567"


def task(**over: Any) -> dict[str, Any]:
    return {"name": "t1", "git_url": "https://example.org/r.git", "git_commit_id": SHA, "path": "tasks/t1", **over}


def dataset(name: str = "mini", version: str = "1.0", **over: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "description": "d", "tasks": [task()], **over}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data))
    return path


def test_a_harbor_registry_parses_with_its_fields(tmp_path: Path) -> None:
    reg = read_registry(write(tmp_path, [dataset(metrics=[{"type": "mean"}]), dataset(version="2.0")]))
    assert reg.source == str(tmp_path / "registry.json") and reg.base_dir == tmp_path.resolve()
    first = reg.datasets[0]
    assert (first.ref, first.description, first.metrics) == ("mini@1.0", "d", [{"type": "mean"}])
    t = first.tasks[0]
    assert (t.name, t.git_url, t.git_commit_id, t.path, t.pinned) == (
        "t1", "https://example.org/r.git", SHA, "tasks/t1", True
    )  # fmt: skip
    assert reg.versions("mini") == ["1.0", "2.0"] and reg.names() == ["mini"]


@pytest.mark.parametrize("commit", [None, "head", "HEAD"])
def test_no_commit_or_head_means_unpinned(commit: str | None) -> None:
    (d,) = parse_registry(json.dumps([dataset(tasks=[task(git_commit_id=commit)])]), "r.json")
    assert d.tasks[0].git_commit_id is None and not d.tasks[0].pinned


def test_paths_are_normalised_and_abbreviated_commits_accepted() -> None:
    (d,) = parse_registry(json.dumps([dataset(tasks=[task(path="./tasks//t1/", git_commit_id="ABCDEF1")])]), "r")
    assert (d.tasks[0].path, d.tasks[0].git_commit_id) == ("tasks/t1", "abcdef1")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"datasets": []}), "expected a JSON list of datasets, got dict"),
        (json.dumps([dataset(tasks=[])]), "dataset 'mini': tasks: List should have at least 1 item"),
        (json.dumps([{"version": "1", "tasks": [task()]}]), "0.name: required field is missing"),
        (
            json.dumps([dataset(tasks=[task(path=None)])]),
            "dataset 'mini': tasks.0.path: Input should be a valid string",
        ),
        (json.dumps([dataset(tasks=[task(git_commit_id="main")])]), "'main' is not a commit id"),
        (json.dumps([dataset(tasks=[task(path="/etc")])]), "must be a relative path inside the checkout"),
        (json.dumps([dataset(tasks=[task(path="a/../../b")])]), "must be a relative path inside the checkout"),
        (json.dumps([dataset(tasks=[task(git_commit=SHA)])]), "dataset 'mini': tasks.0.git_commit: unknown field"),
        (json.dumps([dataset(version="1@2")]), "must not contain '@'"),
        (json.dumps([dataset(), dataset()]), "dataset mini@1.0 is listed twice"),
    ],
)
def test_bad_registries_give_one_line_naming_the_file_and_field(tmp_path: Path, data: str, expected: str) -> None:
    path = tmp_path / "registry.json"
    path.write_text(data)
    with pytest.raises(DatasetError) as info:
        read_registry(path)
    message = str(info.value)
    assert message.startswith(f"registry {path}: ") and expected in message and "\n" not in message


def test_a_missing_registry_file_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"registry .*nope.json: file not found \(--registry PATH\|URL"):
        read_registry(tmp_path / "nope.json")


def test_resolution_of_name_and_version(tmp_path: Path) -> None:
    reg = read_registry(write(tmp_path, [dataset(), dataset(version="1.10"), dataset(version="1.9"), dataset("other")]))
    assert resolve(reg, "mini@1.9").version == "1.9"
    assert resolve(reg, "mini").version == "1.10"  # PEP 440 order, not text order
    assert resolve(reg, "mini@").version == "1.10"
    with pytest.raises(DatasetError, match=r"mini@3 is not in registry .* \(versions of mini: 1.0, 1.10, 1.9\)"):
        resolve(reg, "mini@3")
    with pytest.raises(DatasetError, match=r"dataset 'nope' is not in registry .* \(it has: mini, other\)"):
        resolve(reg, "nope@1.0")
    with pytest.raises(DatasetError, match="a dataset is named NAME@VERSION"):
        resolve(reg, "a@b@c")


def test_version_taken_when_none_is_given() -> None:
    assert resolve_version(["1.0", "head", "2.0"]) == "head"
    assert resolve_version(["2.0", "10.0", "9.1"]) == "10.0"
    assert resolve_version(["beta", "alpha"]) == "beta"  # no PEP 440 version: the lexically last
    assert resolve_version(["parity", "1.0"]) == "1.0"


def test_what_counts_as_a_dataset_on_the_command_line(tmp_path: Path) -> None:
    assert is_dataset_ref("terminal-bench@2.0") and is_dataset_ref(Path("mini@head"))
    assert not is_dataset_ref("tasks/smoke") and not is_dataset_ref("suite/of@1")
    folder = tmp_path / "weird@1"
    folder.mkdir()
    assert not is_dataset_ref(folder)  # a folder that exists is a folder
    assert split_ref("terminal-bench@2.0") == ("terminal-bench", "2.0") and split_ref("x") == ("x", None)


def test_the_registry_comes_from_the_option_then_the_environment_then_harbor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HORIZONBENCH_REGISTRY", raising=False)
    assert registry_source(None) == DEFAULT_REGISTRY_URL
    assert DEFAULT_REGISTRY_URL.startswith("https://") and DEFAULT_REGISTRY_URL.endswith("/registry.json")
    monkeypatch.setenv("HORIZONBENCH_REGISTRY", "/srv/reg.json")
    assert registry_source(None) == "/srv/reg.json"
    assert registry_source("other.json") == "other.json"


def test_a_file_url_reads_like_a_path(tmp_path: Path) -> None:
    path = write(tmp_path, [dataset()])
    assert read_registry(path.as_uri()).datasets[0].ref == "mini@1.0"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A registry served over HTTP on 127.0.0.1."""
    (tmp_path / "registry.json").write_text(json.dumps([dataset(), dataset("other")]))

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(tmp_path), **kw)

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_registry_url_is_fetched(served: str) -> None:
    reg = read_registry(f"{served}/registry.json")
    assert reg.names() == ["mini", "other"] and reg.base_dir is None
    with pytest.raises(DatasetError, match=r"http://127.0.0.1:\d+/missing.json: cannot be fetched .*--registry"):
        read_registry(f"{served}/missing.json")


def test_an_unreachable_registry_url_is_one_line_without_its_password() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatasetError) as info:
        read_registry(f"http://user:s3cr3t-value@127.0.0.1:{port}/registry.json")
    assert f"registry http://127.0.0.1:{port}/registry.json: cannot be fetched" in str(info.value)
    assert "s3cr3t" not in str(info.value)


def test_safe_url_drops_credentials_only() -> None:
    assert safe_url("https://tok:x-oauth@github.com:443/o/r.git") == "https://github.com:443/o/r.git"
    assert safe_url("https://github.com/o/r.git") == "https://github.com/o/r.git"
    assert safe_url("file:///srv/r.git") == "file:///srv/r.git"
