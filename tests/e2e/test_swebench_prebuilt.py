"""SWE-bench instances on their prebuilt evaluation images, as an online user runs them: the
record names its image (here pushed to a real registry on 127.0.0.1 under swebench's name),
the import makes it the task's image, the run pulls it and grades with the record's
eval_script; where no registry serves it, ``auto`` builds the environment offline from the
spec and records that, and ``prebuilt`` is an image error, never a failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docker
import pytest

from horizonbench.models import TrialResult
from horizonbench.results.store import RunDir
from tests.helpers import hb
from tests.registry import LocalRegistry, free_port
from tests.swe_history import dateutil_history, write_jsonl
from tests.swe_images import eval_image, swebench_name, with_image

pytestmark = pytest.mark.docker

ISO = "dateutil__dateutil-1125"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, docker_engine: docker.DockerClient) -> dict[str, Any]:
    """The dateutil clone, its instances by id, and the tag of the evaluation image of their base commit."""
    root = tmp_path_factory.mktemp("dateutil")
    repos, rows = dateutil_history(root)
    image = eval_image(docker_engine, repos, rows[0]["base_commit"], root)
    return {"repos": repos, "rows": {r["instance_id"]: r for r in rows}, "image": image}


def _import(tmp_path: Path, records: list[dict[str, Any]], *args: str | Path) -> Path:
    suite = tmp_path / "suite"
    tmp_path.mkdir(parents=True, exist_ok=True)
    res = hb("tasks", "import-swebench", write_jsonl(tmp_path / "i.jsonl", records), "--out", suite, *args)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"{len(records)} imported, 0 unsupported" in res.stdout, res.stdout
    return suite


def _run(suite: Path, results: Path, run_id: str, *agents: str) -> dict[str, TrialResult]:
    agent_args = [a for agent in agents for a in ("--agent", agent)]
    res = hb("run", suite, *agent_args, "--results", results, "--run-id", run_id, "--no-progress", timeout=1500)
    assert res.returncode == 0, res.stdout + res.stderr
    return {r.agent: r for r in RunDir(results, run_id).results()}


def test_the_pulled_image_grades_with_the_records_eval_script(
    history: dict[str, Any], registry: LocalRegistry, docker_engine: docker.DockerClient, tmp_path: Path
) -> None:
    row = history["rows"][ISO]
    ref = registry.push(docker_engine, history["image"], swebench_name(ISO), "latest")
    record = with_image(row, ref)
    # No clone: the prebuilt path needs only the record.
    suite = _import(tmp_path, [record], "--environment", "prebuilt")
    task = suite / ISO
    assert not (task / "environment").exists() and not (task / "tests").exists()
    assert (task / "swebench" / "eval.sh").read_text() == record["eval_script"]

    by_agent = _run(suite, tmp_path / "r", "p", "oracle", "nop")
    oracle, nop = by_agent["oracle"], by_agent["nop"]
    assert oracle.status == "passed", oracle.error or oracle.verdict
    assert oracle.verdict is not None and oracle.verdict.resolution == "RESOLVED_FULL"
    assert oracle.verdict.patch_method == "git apply"
    assert nop.status == "failed", nop.error or nop.verdict
    assert nop.verdict is not None and nop.verdict.resolution == "RESOLVED_NO"
    assert set(nop.verdict.tests["FAIL_TO_PASS"]["failure"]) == set(json.loads(row["FAIL_TO_PASS"]))
    for r in (oracle, nop):
        origin = r.image_origin
        assert origin is not None and origin.source == "pulled", origin
        assert origin.ref == ref == origin.requested == r.image
        assert origin.digest is not None and origin.digest.startswith(f"{registry.host}/{swebench_name(ISO)}@sha256:")
    trial = tmp_path / "r" / "p" / "trials" / f"{ISO}__oracle__0"
    log_text = (trial / "verifier.log").read_text()
    assert "$ /bin/bash /eval.sh" in log_text and ">>>>> Start Test Output" in log_text
    assert ">>>>> Test Exit Code: 0" in log_text, "the test command's status, as swebench 5 records it"
    # The guard ran in the interpreter the eval script activated (the venv), not the system's.
    guard = json.loads((trial / "guard.json").read_text())
    assert guard["runs"] >= 1 and guard["first_run"], guard

    # score-predictions grades published patches the same way, on the same image.
    noop = "diff --git a/README.rst b/README.rst\n--- a/README.rst\n+++ b/README.rst\n@@ -1,1 +1,2 @@\n"
    first = (history["repos"] / "dateutil__dateutil" / "README.rst").read_text().splitlines()[0]
    noop += f" {first}\n+an unrelated line\n"
    preds = [
        {"instance_id": ISO, "model_name_or_path": name, "model_patch": patch}
        for name, patch in (("gold", row["patch"]), ("noop", noop), ("garbage", "this is not a diff\n"))
    ]
    res = hb("score-predictions", write_jsonl(tmp_path / "preds.jsonl", preds), "--suite", suite,
             "--run-id", "s", "--results", tmp_path / "r", timeout=1500)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert "3 prediction(s): 1 resolved, 1 not resolved, 1 not applied, 0 empty patch, 0 error" in res.stdout, (
        res.stdout
    )

    # The export gives back the record's image and eval script, with no image to pull.
    out = tmp_path / "exported.jsonl"
    res = hb("tasks", "export-swebench", suite, "--output", out)
    assert res.returncode == 0, res.stdout + res.stderr
    (exported,) = [json.loads(line) for line in out.read_text().splitlines()]
    for key in ("image", "eval_script", "log_parser", "eval_type", "test_patch", "patch", "base_commit"):
        assert exported[key] == record[key], key


def test_with_no_registry_prebuilt_is_an_image_error_and_auto_builds_offline(
    history: dict[str, Any], tmp_path: Path
) -> None:
    row = history["rows"][ISO]
    ref = f"127.0.0.1:{free_port()}/{swebench_name(ISO)}:latest"  # no registry answers there
    record = with_image(row, ref)

    prebuilt = _import(tmp_path / "prebuilt", [record], "--environment", "prebuilt")
    oracle = _run(prebuilt, tmp_path / "r", "none", "oracle")["oracle"]
    assert oracle.status == "error" and oracle.error_kind == "image", oracle
    assert oracle.verdict is None and oracle.error is not None and ref in oracle.error
    assert "no registry serves it" in oracle.error

    # An air-gapped lab maps the record's image to its own copy: a stand-in, graded by the eval script.
    mapped = hb("run", prebuilt, "--agent", "oracle", "--image-map", f"{ref}={history['image']}",
                "--results", tmp_path / "r", "--run-id", "mapped", "--no-progress", timeout=1500)  # fmt: skip
    assert mapped.returncode == 0, mapped.stdout + mapped.stderr
    (stand_in,) = RunDir(tmp_path / "r", "mapped").results()
    assert stand_in.status == "passed", stand_in.error or stand_in.verdict
    assert stand_in.image_origin is not None and stand_in.image_origin.source == "stand-in"
    assert stand_in.image_origin.ref == history["image"] and stand_in.image_origin.requested == ref
    log_text = (tmp_path / "r" / "mapped" / "trials" / f"{ISO}__oracle__0" / "verifier.log").read_text()
    assert "$ /bin/bash /eval.sh" in log_text

    suite = _import(tmp_path / "auto", [record], "--repos", history["repos"])
    toml = (suite / ISO / "task.toml").read_text()
    assert 'swebench_environment = "prebuilt+build"' in toml and (suite / ISO / "environment").is_dir()
    by_agent = _run(suite, tmp_path / "r", "auto", "oracle", "nop")
    oracle, nop = by_agent["oracle"], by_agent["nop"]
    assert oracle.status == "passed", oracle.error or oracle.verdict
    assert nop.status == "failed", nop.error or nop.verdict
    for r in (oracle, nop):
        origin = r.image_origin
        assert origin is not None and origin.source in ("built", "local"), origin
        assert origin.requested == ref and origin.ref.startswith("hb-task/") and origin.ref == r.image
    first = by_agent["oracle"].image_origin
    assert first is not None and first.pull_error is not None and "127.0.0.1" in first.pull_error
    # The offline build puts the repository where the image has it: the agent sees one layout.
    log_text = (tmp_path / "r" / "auto" / "trials" / f"{ISO}__oracle__0" / "verifier.log").read_text()
    assert "$ python3 -m pytest -rA" in log_text and "/eval.sh" not in log_text


def test_an_eval_script_that_runs_no_test_is_an_error_never_a_failure(
    history: dict[str, Any], registry: LocalRegistry, docker_engine: docker.DockerClient, tmp_path: Path
) -> None:
    row = history["rows"][ISO]
    ref = registry.push(docker_engine, history["image"], swebench_name(ISO), "latest")
    # A record with no eval_script gets swebench's own layout, which activates the conda env
    # `testbed`: this image has none, so no pytest runs and the parser finds no test.
    no_conda = {k: v for k, v in with_image(row, ref).items() if k != "eval_script"}
    crashes = with_image(row, ref, instance_id=f"{ISO}-crash")
    crashes["eval_script"] = crashes["eval_script"].replace("cd /testbed\n", "cd /testbed\nexit 3\n", 1)
    suite = _import(tmp_path, [no_conda, crashes], "--environment", "prebuilt")
    assert "conda activate testbed" in (suite / ISO / "swebench" / "eval.sh").read_text()
    res = hb("run", suite, "--agent", "oracle", "--results", tmp_path / "r", "--run-id", "e", "--no-progress",
             timeout=1500)  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    by_task = {r.task: r for r in RunDir(tmp_path / "r", "e").results()}
    found_nothing, crashed = by_task[ISO], by_task[f"{ISO}-crash"]
    assert found_nothing.status == "error" and found_nothing.error_kind == "verifier", found_nothing
    assert found_nothing.error is not None and "found no test result" in found_nothing.error
    assert crashed.status == "error" and crashed.error_kind == "verifier", crashed
    assert crashed.error is not None and "ended before '>>>>> Start Test Output'" in crashed.error
