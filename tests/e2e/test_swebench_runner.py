"""SWE-bench instances whose tests run under the repository's own runner, built offline: real
Django history (4.2.1 -> 4.2.2, ticket #34590), graded by an eval script in swebench's layout
with ``./tests/runtests.py`` and swebench's ``parse_log_django``, on Python 3.9."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from horizonbench.models import TrialResult
from horizonbench.sandbox import base_image
from tests.helpers import hb
from tests.swe_history import DJANGO_F2P, DJANGO_ID, DJANGO_P2P, DJANGO_SRC, django_history, git, write_jsonl

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def django(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base_image.ensure(release="bullseye")  # Python 3.9's base image
    root = tmp_path_factory.mktemp("django")
    repos, row = django_history(root)
    res = hb(
        "tasks", "import-swebench", write_jsonl(root / "i.jsonl", [row]), "--repos", repos, "--out", root / "suite"
    )
    assert "1 imported, 0 unsupported" in res.stdout, res.stdout + res.stderr
    return {"repos": repos, "row": row, "suite": root / "suite"}


def _result(results: Path, run_id: str, agent: str) -> TrialResult:
    trial = results / run_id / "trials" / f"{DJANGO_ID}__{agent}__0" / "result.json"
    return TrialResult.model_validate_json(trial.read_text())


def test_oracle_resolves_and_nop_does_not_under_djangos_runner(django: dict[str, Any], tmp_path: Path) -> None:
    task_dir = django["suite"] / DJANGO_ID
    toml = (task_dir / "task.toml").read_text()
    assert 'build_eval_script = "swebench/eval-build.sh"' in toml and 'log_parser = "parse_log_django"' in toml
    assert not (task_dir / "tests").exists()
    script = (task_dir / "swebench" / "eval-build.sh").read_text()
    assert "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 model_fields.test_decimalfield" in (
        script
    )

    run = hb("run", django["suite"], "-a", "oracle", "-a", "nop", "--run-id", "e", "--results", tmp_path,
             "--no-progress", timeout=1500)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 failed, 0 errors" in run.stdout, run.stdout
    oracle, nop = _result(tmp_path, "e", "oracle"), _result(tmp_path, "e", "nop")
    assert oracle.verdict is not None and oracle.verdict.resolution == "RESOLVED_FULL", oracle.verdict
    assert sorted(oracle.verdict.tests["PASS_TO_PASS"]["success"]) == sorted(DJANGO_P2P)
    assert nop.verdict is not None and nop.verdict.resolution == "RESOLVED_NO", nop.verdict
    assert nop.verdict.tests["FAIL_TO_PASS"]["failure"] == DJANGO_F2P
    log_text = (tmp_path / "e" / "trials" / f"{DJANGO_ID}__oracle__0" / "verifier.log").read_text()
    assert "$ /bin/bash /eval.sh" in log_text and "Testing against Django installed in '/testbed/django'" in log_text
    assert re.search(r"^test_lookup_decimal_larger_than_max_digits \(.*\) \.\.\. ok$", log_text, re.M), log_text[-3000:]


def _runner_attack(clone: Path) -> str:
    """A change to Django's test runner that reports every listed test as passed, runs none
    and says none failed: swebench's harness, which reads only the log, resolves it."""
    runner = clone / "django" / "test" / "runner.py"
    text = runner.read_text()
    head = "    def run_tests(self, test_labels, extra_tests=None, **kwargs):\n"
    assert head in text
    lines = "".join(f"            {name!r},\n" for name in [*DJANGO_F2P, *DJANGO_P2P])
    fake = f"{head}        import sys\n\n        for name in (\n{lines}        ):\n"
    fake += '            print(f"{name} ... ok", file=sys.stderr)\n        return 0\n'
    runner.write_text(text.replace(head, fake, 1))
    try:
        return git(clone, "diff")
    finally:
        git(clone, "checkout", "-q", "--", "django/test/runner.py")


def test_score_predictions_under_djangos_runner(django: dict[str, Any], tmp_path: Path) -> None:
    clone = django["repos"] / "django__django"
    git(clone, "checkout", "-q", django["row"]["base_commit"])
    try:
        attack = _runner_attack(clone)
        with (clone / DJANGO_SRC).open("a") as fh:
            fh.write("# Decimal lookups are adapted by get_db_prep_value.\n")
        noop = git(clone, "diff")
    finally:
        git(clone, "checkout", "-q", "--", DJANGO_SRC)
        git(clone, "checkout", "-q", "main")
    patches = {"gold": django["row"]["patch"], "noop": noop, "garbage": "not a diff\n"}
    patches["runner"] = attack
    preds = [{"instance_id": DJANGO_ID, "model_name_or_path": m, "model_patch": p} for m, p in patches.items()]
    res = hb("score-predictions", write_jsonl(tmp_path / "p.jsonl", preds), "--suite", django["suite"],
             "--run-id", "s", "--results", tmp_path, timeout=1500)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert "4 prediction(s): 1 resolved, 2 not resolved, 1 not applied, 0 empty patch, 0 error" in res.stdout, (
        res.stdout
    )
    report = json.loads((tmp_path / "s" / "predictions.json").read_text())
    got = {r["model"]: r for r in report["results"]}
    assert got["gold"]["status"] == "resolved" and got["gold"]["patch_method"] == "git apply"
    assert got["noop"]["status"] == "not resolved" and got["garbage"]["status"] == "not applied"
    # The runner is part of the grading, as the test files are: put back before the tests run.
    assert got["runner"]["status"] == "not resolved", got["runner"]
    assert "touched_protected" in got["runner"]["flags"], got["runner"]
    assert DJANGO_SRC not in attack


def test_export_gives_swebench_the_build_eval_script(django: dict[str, Any], tmp_path: Path) -> None:
    from swebench.harness.utils import make_test_spec

    out = tmp_path / "exported.jsonl"
    res = hb("tasks", "export-swebench", django["suite"], "--output", out)
    assert res.returncode == 0, res.stdout + res.stderr
    (exported,) = [json.loads(line) for line in out.read_text().splitlines()]
    row = django["row"]
    for key in ("base_commit", "environment_setup_commit", "patch", "test_patch", "problem_statement", "version"):
        assert exported[key] == row[key], key
    assert exported["log_parser"] == "parse_log_django" and exported["image"].startswith("hb-task/")
    script = (django["suite"] / DJANGO_ID / "swebench" / "eval-build.sh").read_text()
    assert exported["eval_script"] == script
    spec = make_test_spec(exported)
    assert spec.FAIL_TO_PASS == DJANGO_F2P and "./tests/runtests.py" in spec.eval_script
