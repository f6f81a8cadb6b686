"""SWE-bench-format instances made from real project history, built at test time.

python-dateutil 2.8.2 fixed bugs of 2.8.1 and added tests for them. From the two released
sdists (downloaded by pip, cached) this builds a local clone whose history is 2.8.1 then
2.8.2, and two instances of the same (repo, version) whose ``patch`` is the real fix and
whose ``test_patch`` is the real test change:

- PR #1125 and #1122: ``isoparse`` accepts an inconsistent ``:`` separator and its error
  text shows a ``b'`` prefix (``dateutil/parser/isoparser.py``);
- PR #1024: ``tz.gettz("")`` does not return local time like ``tz.gettz()``
  (``dateutil/tz/tz.py``).

The records carry their environment spec as swebench 5 records do: Python 3.9 (dateutil
2.8's ``setup.py`` imports ``setuptools.command.test``, which setuptools removed in 72, and
its pytest configuration turns every warning into an error), packages beyond pytest (six; pytest-cov, whose
``no_cover`` mark its conftest uses; setuptools_scm for ``setup_requires``) and ``pip install -e .``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from horizonbench.sandbox import images

OLD, NEW = "python-dateutil==2.8.1", "python-dateutil==2.8.2"
REPO = "dateutil/dateutil"
SPEC = {
    "version": "2.8",
    "python": "3.9",
    "packages": "pytest==7.4.4",
    "pip_packages": ["six==1.16.0", "pytest-cov==4.1.0", "setuptools==58.5.3", "setuptools_scm==6.4.2"],
    "install": "python -m pip install -e .",
    "test_cmd": "pytest -rA",
}
ISO = "dateutil/test/test_isoparser.py"
TZ = "dateutil/test/test_tz.py"
FIXES: dict[str, dict[str, Any]] = {
    "dateutil__dateutil-1125": {
        "src": "dateutil/parser/isoparser.py",
        "test": ISO,
        "statement": "isoparse accepts times that mix the ':' separator and no separator, such as "
        "'20120425T01:2000' or '14:3015'; it should raise ValueError. Its error for unknown ISO "
        "components also shows a b'' prefix on Python 3.",
        "FAIL_TO_PASS": [
            f"{ISO}::test_iso_raises[20120425T01:2000-ValueError]",
            f"{ISO}::test_parse_isodate_error_text",
        ],
        "PASS_TO_PASS": [
            f"{ISO}::test_iso_raises[14:3015-ValueError]",  # added by the test patch, already raised
            f"{ISO}::test_iso_raises[20120425T0120:00-ValueError]",
            f"{ISO}::test_iso_raises[2012-0425-ValueError]",
            f"{ISO}::test_isodate_raises[2014-04-19T-ValueError]",
            f"{ISO}::test_parse_isodate[False-d0-%Y-%m]",
        ],
    },
    "dateutil__dateutil-1024": {
        "src": "dateutil/tz/tz.py",
        "test": TZ,
        "statement": 'tz.gettz("") should return the local time zone, as tz.gettz() does.',
        "FAIL_TO_PASS": [f"{TZ}::test_gettz_same_result_for_none_and_empty_string"],
        "PASS_TO_PASS": [
            f"{TZ}::test_gettz_badzone[Fake.Region/Abcdefghijklmnop]",
            f"{TZ}::TzUTCTest::testSingleton",
        ],
    },
}


# Fixed commit dates: the same history has the same commit ids on every run, so images
# made of it (tests/swe_images.py) are cached by content.
_DATES = {"GIT_AUTHOR_DATE": "2021-07-08T00:00:00Z", "GIT_COMMITTER_DATE": "2021-07-08T00:00:00Z"}


def git(cwd: Path, *args: str) -> str:
    ident = ["-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    env = {**os.environ, **_DATES}
    return subprocess.run(["git", *ident, *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def _unpack(sdist: Path, dest: Path) -> Path:
    with tarfile.open(sdist) as tar:
        tar.extractall(dest, filter="data")
    return next(dest.iterdir())


def dateutil_history(root: Path) -> tuple[Path, list[dict[str, Any]]]:
    """(folder of local clones, the two instances) under ``root``."""
    old_sdist, new_sdist = images.download_sources([OLD, NEW], root / "dl")
    old, new = _unpack(old_sdist, root / "old"), _unpack(new_sdist, root / "new")
    repos = root / "repos"
    clone = repos / "dateutil__dateutil"
    shutil.copytree(old, clone)
    git(clone, "init", "-q", "-b", "master")
    git(clone, "add", "-A")  # .gitignore keeps the generated _version.py and egg-info out, as upstream
    git(clone, "commit", "-qm", "python-dateutil 2.8.1")
    base = git(clone, "rev-parse", "HEAD").strip()
    rows = []
    for iid, fix in FIXES.items():
        diffs = {}
        for key, rel in (("patch", fix["src"]), ("test_patch", fix["test"])):
            shutil.copy2(new / rel, clone / rel)
            diffs[key] = git(clone, "diff")
            git(clone, "checkout", "-q", "--", rel)
        rows.append(
            {
                "repo": REPO,
                "instance_id": iid,
                "base_commit": base,
                "environment_setup_commit": base,
                "problem_statement": fix["statement"],
                "hints_text": "",
                "created_at": "2021-07-08T00:00:00Z",
                **diffs,
                **SPEC,
                "FAIL_TO_PASS": json.dumps(fix["FAIL_TO_PASS"]),
                "PASS_TO_PASS": json.dumps(fix["PASS_TO_PASS"]),
            }
        )
    # The release that fixed them follows in the clone's history; no task image may see it.
    shutil.rmtree(clone / "dateutil")
    shutil.copytree(new / "dateutil", clone / "dateutil")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "python-dateutil 2.8.2")
    return repos, rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
