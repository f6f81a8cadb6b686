"""swebench's patch chain run by real git and GNU patch in a scratch repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from horizonbench.sandbox.patch_chain import PATCH_METHODS, chain_script, failure_summary, method_of

BASE = "".join(f"line {n}\n" for n in range(1, 13))
HUNK = """diff --git a/f.txt b/f.txt
--- a/f.txt
+++ b/f.txt
@@ -4,7 +4,7 @@
 line 4
 {context}
 line 6
-line 7
+LINE SEVEN
 line 8
 line 9
 line 10
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    (r / "f.txt").write_text(BASE)
    (r / "keep.local").write_text("untracked before the patch\n")
    for args in (["init", "-q"], ["add", "f.txt"], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args], cwd=r, check=True)
    return r


def apply(repo: Path, patch: str) -> subprocess.CompletedProcess[str]:
    (repo.parent / "p.diff").write_text(patch)
    script = chain_script(str(repo.parent / "p.diff"))
    return subprocess.run(["bash", "-c", script], cwd=repo, capture_output=True, text=True, check=False)


def status(repo: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout


def test_exact_patch_applies_with_git_apply(repo: Path) -> None:
    res = apply(repo, HUNK.format(context="line 5"))
    assert res.returncode == 0 and method_of(res.stdout) == "git apply"
    assert "LINE SEVEN\n" in (repo / "f.txt").read_text()


def test_stale_context_line_applies_with_fuzz_and_leaves_no_reject_files(repo: Path) -> None:
    res = apply(repo, HUNK.format(context="line five (renamed since)"))
    assert res.returncode == 0, res.stdout
    assert method_of(res.stdout) == "patch --fuzz=5"
    assert "Rejected hunk" in res.stdout  # --reject was tried and put back before patch ran
    assert (repo / "f.txt").read_text() == BASE.replace("line 7\n", "LINE SEVEN\n")
    assert not list(repo.glob("*.rej")) and (repo / "keep.local").is_file()


def test_patch_no_command_places_is_not_applied_and_the_tree_is_as_before(repo: Path) -> None:
    res = apply(repo, HUNK.format(context="line 5").replace("-line 7", "-line seventy"))
    assert res.returncode == 1 and method_of(res.stdout) is None
    assert "patch failed" in failure_summary(res.stdout)
    assert "--3way" not in failure_summary(res.stdout)  # only the first command's complaint
    # After the last attempt the tree is left as patch left it, as swebench leaves it; no hunk went in.
    assert (repo / "f.txt").read_text() == BASE and (repo / "keep.local").is_file()


def test_garbage_is_not_applied(repo: Path) -> None:
    res = apply(repo, "this is not a diff\n")
    assert res.returncode == 1 and method_of(res.stdout) is None
    assert status(repo).strip() == "?? keep.local"


def test_a_patch_already_in_the_tree_counts_as_applied(repo: Path) -> None:
    (repo / "f.txt").write_text(BASE.replace("line 7\n", "LINE SEVEN\n"))
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qam", "x"], cwd=repo)
    res = apply(repo, HUNK.format(context="line 5"))
    assert res.returncode == 0 and method_of(res.stdout) == "already applied"


def test_a_forged_marker_in_patch_output_names_no_unknown_method() -> None:
    assert method_of("HB-PATCH-METHOD: rm -rf /\n") is None
    assert set(PATCH_METHODS) >= {"git apply", "patch --fuzz=5"}
