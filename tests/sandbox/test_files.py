"""Files in and out of a real sandbox, and the git diff of the agent's work."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from horizonbench.sandbox import Sandbox

pytestmark = pytest.mark.docker


def _sha256_inside(sb: Sandbox, path: str) -> str:
    res = sb.exec(f"sha256sum {path}")
    assert res.exit_code == 0, res.output
    return res.stdout.split()[0]


def test_write_and_read_every_byte_value(shared_sandbox: Sandbox) -> None:
    data = bytes(range(256))
    shared_sandbox.write_file("/work/files/all-bytes.bin", data, mode=0o600)
    assert shared_sandbox.read_file("/work/files/all-bytes.bin") == data
    assert _sha256_inside(shared_sandbox, "/work/files/all-bytes.bin") == hashlib.sha256(data).hexdigest()
    assert shared_sandbox.exec("stat -c %a /work/files/all-bytes.bin").stdout == "600\n"


def test_write_and_read_large_random_binary(shared_sandbox: Sandbox) -> None:
    data = os.urandom(5 * 1024 * 1024)
    shared_sandbox.write_file("/work/files/deep/er/random.bin", data)
    assert shared_sandbox.read_file("/work/files/deep/er/random.bin") == data
    assert _sha256_inside(shared_sandbox, "/work/files/deep/er/random.bin") == hashlib.sha256(data).hexdigest()


def test_write_text_is_utf8(shared_sandbox: Sandbox) -> None:
    shared_sandbox.write_file("/work/files/text.txt", "naïve – ✓\n")
    assert shared_sandbox.exec("cat /work/files/text.txt").stdout == "naïve – ✓\n"


def test_read_missing_path_raises_file_not_found(shared_sandbox: Sandbox) -> None:
    with pytest.raises(FileNotFoundError):
        shared_sandbox.read_file("/work/no/such/file")
    with pytest.raises(FileNotFoundError):
        shared_sandbox.read_file("/work")  # a directory is not a regular file


def _tree(root: Path) -> dict[str, tuple[int, bytes] | None]:
    """Relative path -> (permission bits, contents) of files; None for directories, whose
    modes get_dir does not keep (tarfile's "data" filter gives them default modes)."""
    found: dict[str, tuple[int, bytes] | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        found[rel] = None if path.is_dir() else (stat.S_IMODE(path.stat().st_mode), path.read_bytes())
    return found


def test_put_dir_and_get_dir_round_trip(shared_sandbox: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = {
        "README.md": (b"# project\n", 0o644),
        "bin/run.sh": (b"#!/bin/sh\necho run\n", 0o755),
        "pkg/sub/deeper/blob.bin": (os.urandom(200_000), 0o600),
        "pkg/sub/zeros.bin": (bytes(4096), 0o640),
        "pkg/__init__.py": (b"", 0o644),
    }
    for rel, (data, mode) in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    (src / "empty").mkdir()
    (src / "private").mkdir(mode=0o700)
    (src / "private").chmod(0o700)

    shared_sandbox.put_dir(src, "/work/tree")
    listing = shared_sandbox.exec("find . -mindepth 1 -printf '%P %m\\n' | sort", cwd="/work/tree")
    inside = dict(line.rsplit(" ", 1) for line in listing.stdout.splitlines())
    for rel, (_, mode) in files.items():
        assert inside[rel] == f"{mode:o}"
    assert inside["private"] == "700"
    assert shared_sandbox.exec("./bin/run.sh", cwd="/work/tree").stdout == "run\n"

    back = tmp_path / "back"
    shared_sandbox.get_dir("/work/tree", back)
    expected = _tree(src)
    assert set(files) | {"empty", "private", "pkg/sub/deeper"} <= expected.keys()
    assert _tree(back) == expected


@pytest.fixture
def repo(shared_sandbox: Sandbox) -> str:
    """A git repository in the sandbox with one commit, then a modified text file, a
    modified binary file and a new untracked file."""
    path = "/work/repo"
    setup = shared_sandbox.exec(
        f"rm -rf {path} && git init -q {path} && cd {path} && "
        "git config user.email dev@example.com && git config user.name dev && "
        "printf 'one\\ntwo\\n' > notes.txt && printf '\\x00\\x01\\x02\\xff' > blob.bin && "
        "git add -A && git commit -qm initial && "
        "printf 'one\\ntwo\\nthree\\n' > notes.txt && printf '\\x00\\x09\\x02\\xfe\\x00' > blob.bin && "
        "printf 'fresh\\n' > new.txt"
    )
    assert setup.exit_code == 0, setup.output
    return path


def test_diff_shows_modified_new_and_binary_files(shared_sandbox: Sandbox, repo: str) -> None:
    index_before = _sha256_inside(shared_sandbox, f"{repo}/.git/index")
    patch = shared_sandbox.diff(repo)
    assert _sha256_inside(shared_sandbox, f"{repo}/.git/index") == index_before

    assert "diff --git a/notes.txt b/notes.txt" in patch and "+three" in patch
    assert "diff --git a/new.txt b/new.txt" in patch and "new file mode" in patch and "+fresh" in patch
    assert "diff --git a/blob.bin b/blob.bin" in patch and "GIT binary patch" in patch
    # The agent's own staging area is untouched: nothing staged, new.txt still untracked.
    status = shared_sandbox.exec("git status --porcelain", cwd=repo).stdout.splitlines()
    assert sorted(status) == [" M blob.bin", " M notes.txt", "?? new.txt"]

    # The patch reproduces the work on a clean checkout of HEAD.
    shared_sandbox.write_file("/tmp/work.diff", patch)
    applied = shared_sandbox.exec(
        f"rm -rf /tmp/clean && git clone -q {repo} /tmp/clean && cd /tmp/clean && git apply /tmp/work.diff && "
        f"for f in notes.txt blob.bin new.txt; do cmp $f {repo}/$f || exit 1; done && echo same"
    )
    assert applied.stdout == "same\n", applied.output


def test_changes_read_from_the_overlay_layer_match_the_engines_diff(sandbox: Sandbox) -> None:
    from horizonbench.sandbox.overlay import CHANGE_ADDED, CHANGE_DELETED, overlay_changes

    script = (
        "echo hi > /tmp/new.txt && echo more >> /etc/bash.bashrc && rm /usr/bin/yes && "
        "mkdir -p /usr/local/lib/planted/deep && touch /usr/local/lib/planted/deep/x.pth && "
        "rm -rf /usr/share/doc && mkdir /usr/share/doc && touch /usr/share/doc/again && "
        "ln -s /nowhere /root/dangling && mkfifo /root/fifo"
    )
    assert sandbox.exec(script).exit_code == 0
    local = overlay_changes(sandbox._graph_driver())
    assert local is not None, "the engine here is local with overlay2: the layer must be readable"
    assert sandbox.changes() == local
    engine = sorted(sandbox.api_changes())
    assert local == engine
    kinds = dict(local)
    assert kinds["/tmp/new.txt"] == CHANGE_ADDED and kinds["/usr/bin/yes"] == CHANGE_DELETED
    assert kinds["/usr/local/lib/planted/deep/x.pth"] == CHANGE_ADDED


def test_changes_fall_back_to_the_engine_where_the_layer_is_not_here(sandbox: Sandbox) -> None:
    from horizonbench.sandbox.overlay import overlay_changes

    assert sandbox.exec("touch /tmp/fallback").exit_code == 0
    driver = sandbox._graph_driver()
    elsewhere = {**driver, "Data": {**driver["Data"], "UpperDir": "/nonexistent/upper"}}
    assert overlay_changes(elsewhere) is None and overlay_changes({"Name": "btrfs"}) is None
    sandbox._driver = elsewhere
    assert ("/tmp/fallback", 1) in sandbox.changes()
