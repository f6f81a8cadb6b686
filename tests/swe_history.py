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


# Django 4.2.2 fixed a regression of 4.2 with its test: a filter on a DecimalField against a
# value with more digits than the field's max_digits crashed (ticket #34590), on SQLite too.
DJANGO_OLD, DJANGO_NEW = "Django==4.2.1", "Django==4.2.2"
DJANGO_ID = "django__django-34590"
DJANGO_SRC = "django/db/models/fields/__init__.py"
DJANGO_TEST = "tests/model_fields/test_decimalfield.py"
_DECIMAL_TESTS = "model_fields.test_decimalfield.DecimalFieldTests"  # as unittest names them on Python 3.9
DJANGO_F2P = [f"test_lookup_decimal_larger_than_max_digits ({_DECIMAL_TESTS})"]
DJANGO_P2P = [
    f"test_to_python ({_DECIMAL_TESTS})",
    f"test_default ({_DECIMAL_TESTS})",
    # A test with a docstring is named by it, as swebench's parse_log_django reads the
    # runner's two lines and SWE-bench's Django records list them.
    "Really big values can be used in a filter statement.",
    "Should be able to filter decimal fields using strings (#8023).",
]


def django_history(root: Path) -> tuple[Path, dict[str, Any]]:
    """(folder of local clones, the instance) under ``root``: a clone whose history is Django
    4.2.1 then 4.2.2, and the instance of ticket #34590 at 4.2.1.

    The record names version 4.2, so the shipped spec table gives its environment (Python 3.9,
    ``pip install -e .``) and its test command (``./tests/runtests.py --verbosity 2
    --settings=test_sqlite --parallel 1``). Only ``packages`` is the record's own, as a swebench 5
    record may carry it: Django's install requirements, in place of the test suite's full
    requirements file (``tests/requirements/py3.txt``: numpy, Pillow, selenium, pywatchman, ...),
    which the tests of this instance do not use."""
    old_sdist, new_sdist = images.download_sources([DJANGO_OLD, DJANGO_NEW], root / "dl")
    old, new = _unpack(old_sdist, root / "old"), _unpack(new_sdist, root / "new")
    repos = root / "repos"
    clone = repos / "django__django"
    shutil.copytree(old, clone, ignore=shutil.ignore_patterns("Django.egg-info"))  # not in the repository
    git(clone, "init", "-q", "-b", "main")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "Django 4.2.1")
    base = git(clone, "rev-parse", "HEAD").strip()
    diffs = {}
    for key, rel in (("patch", DJANGO_SRC), ("test_patch", DJANGO_TEST)):
        shutil.copy2(new / rel, clone / rel)
        diffs[key] = git(clone, "diff")
        git(clone, "checkout", "-q", "--", rel)
    row = {
        "repo": "django/django",
        "instance_id": DJANGO_ID,
        "base_commit": base,
        "environment_setup_commit": base,
        "version": "4.2",
        "packages": "asgiref==3.7.2 sqlparse==0.4.4",
        "problem_statement": "QuerySet.filter() on a DecimalField crashes with decimal.InvalidOperation when the "
        "value has more digits than the field's max_digits, e.g. Foo.objects.filter(d__lte=Decimal('123456')) "
        "for max_digits=5. Django 4.1 returned an empty queryset.",
        "hints_text": "",
        "created_at": "2023-05-23T00:00:00Z",
        **diffs,
        "FAIL_TO_PASS": json.dumps(DJANGO_F2P),
        "PASS_TO_PASS": json.dumps(DJANGO_P2P),
    }
    shutil.rmtree(clone / "django")
    shutil.copytree(new / "django", clone / "django")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "Django 4.2.2")
    return repos, row
