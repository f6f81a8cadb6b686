"""SWE-bench interoperability end to end: import from a local clone, export, score predictions."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from horizonbench.sandbox import images
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker
TASK = REPO / "tasks" / "swe" / "toolz-get-in-index"
BUG = ("    except (KeyError, IndexError, TypeError):", "    except (KeyError, TypeError):")
NEW_TEST = """from toolz import get_in


def test_index_out_of_range_default():
    assert get_in(["a", 3], {"a": [1]}, default="?") == "?"


def test_key_missing_default():
    assert get_in(["b"], {"a": 1}, default=0) == 0
"""


def git(cwd: Path, *args: str) -> str:
    env_args = ["-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    return subprocess.run(["git", *env_args, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A local clone of toolz made from its sdist: the release, a commit that breaks
    ``get_in``, and a later commit that fixes it (which must never reach a task image)."""
    root = tmp_path_factory.mktemp("repos")
    sdist = images.download_sources(["toolz==0.12.0"], root / "dl")[0]
    repo = root / "pytoolz__toolz"
    with tarfile.open(sdist) as tar:
        tar.extractall(root / "src", filter="data")
    shutil.copytree(next((root / "src").iterdir()), repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "release 0.12.0")
    release = git(repo, "rev-parse", "HEAD").strip()
    target = repo / "toolz" / "dicttoolz.py"
    target.write_text(target.read_text().replace(*BUG))
    git(repo, "commit", "-qam", "refactor get_in")
    base = git(repo, "rev-parse", "HEAD").strip()
    target.write_text(target.read_text().replace(BUG[1], BUG[0]))
    patch = git(repo, "diff")
    git(repo, "commit", "-qam", "fix get_in for short sequences")
    (repo / "toolz" / "tests" / "test_get_in_more.py").write_text(NEW_TEST)
    git(repo, "add", "-N", "toolz/tests/test_get_in_more.py")
    test_patch = git(repo, "diff")
    git(repo, "commit", "-qam", "test")
    return root, {"base": base, "patch": patch, "test_patch": test_patch, "release": release}


def _instances(path: Path, base: str, patch: str, test_patch: str) -> None:
    good = {
        "repo": "pytoolz/toolz",
        "instance_id": "pytoolz__toolz-9001",
        "base_commit": base,
        "patch": patch,
        "test_patch": test_patch,
        "problem_statement": "get_in raises IndexError instead of returning the default for a short list.",
        "hints_text": "",
        "created_at": "2023-01-01T00:00:00Z",
        "version": "0.12",
        "FAIL_TO_PASS": json.dumps(["toolz/tests/test_get_in_more.py::test_index_out_of_range_default"]),
        "PASS_TO_PASS": json.dumps(
            [
                "toolz/tests/test_get_in_more.py::test_key_missing_default",
                "toolz/tests/test_dicttoolz.py::TestDict::test_merge",
            ]
        ),
        "environment_setup_commit": base,
        "difficulty": "<15 min fix",
    }
    rows = [
        good,
        {**good, "instance_id": "acme__nothing-1", "repo": "acme/nothing"},
        {**good, "instance_id": "pytoolz__toolz-9002", "base_commit": "0" * 40},
        {**good, "instance_id": "django__django-1", "repo": "django/django", "FAIL_TO_PASS": '["test_a (m.T)"]'},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_import_from_local_clone_then_oracle_resolves_and_nop_does_not(
    clone: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repos, c = clone
    instances = tmp_path / "instances.jsonl"
    _instances(instances, c["base"], c["patch"], c["test_patch"])
    res = hb("tasks", "import-swebench", instances, "--repos", repos, "--out", tmp_path / "suite")
    assert res.returncode == 0, res.stderr
    assert "1 imported, 3 unsupported" in res.stdout
    assert "no local clone of acme/nothing" in res.stdout
    assert "is not in the clone" in res.stdout
    assert "parse_log_django and no test command is known for django/django 0.12" in res.stdout
    task = load_task(tmp_path / "suite" / "pytoolz__toolz-9001")
    assert task.config.verifier.fail_to_pass == ["toolz/tests/test_get_in_more.py::test_index_out_of_range_default"]
    assert task.expert_minutes == 10 and not (task.path / "environment" / ".git").exists()

    run = hb(
        "run", task.path, "-a", "oracle", "-a", "nop", "--run-id", "i", "--results", tmp_path / "r", "--no-progress"
    )
    assert run.returncode == 0, run.stderr
    assert "1 passed, 1 failed, 0 errors" in run.stdout
    oracle = TrialResult.model_validate_json(
        (tmp_path / "r" / "i" / "trials" / "pytoolz__toolz-9001__oracle__0" / "result.json").read_text()
    )
    assert oracle.verdict is not None and oracle.verdict.resolution == "RESOLVED_FULL"
    with Sandbox.start(images.ensure(task).tag, workdir="/work/repo") as sb:
        assert sb.exec("git rev-list --all | wc -l").stdout.strip() == "1"
        assert "fix get_in" not in sb.exec("git log --all --format=%s").stdout


def test_export_round_trips_through_import(tmp_path: Path) -> None:
    out = tmp_path / "exported.jsonl"
    res = hb("tasks", "export-swebench", TASK, "--output", out)
    assert res.returncode == 0, res.stderr
    (inst,) = [json.loads(line) for line in out.read_text().splitlines()]
    task = load_task(TASK)
    assert inst["instance_id"] == "toolz-get-in-index" and len(inst["base_commit"]) == 40
    assert json.loads(inst["FAIL_TO_PASS"]) == task.config.verifier.fail_to_pass
    assert json.loads(inst["PASS_TO_PASS"]) == task.config.verifier.pass_to_pass
    assert inst["patch"] == (TASK / "solution" / "patch.diff").read_text()
    assert "+++ b/toolz/tests/test_get_in_sequences.py" in inst["test_patch"]

    # The image's repository is the clone SWE-bench tooling would use: import it back.
    clone = tmp_path / "repos" / "horizonbench__toolz"
    with Sandbox.start(images.ensure(task).tag, workdir="/work/repo") as sb:
        sb.get_dir("/work/repo", clone)
    back = hb("tasks", "import-swebench", out, "--repos", tmp_path / "repos", "--out", tmp_path / "suite")
    assert back.returncode == 0 and "1 imported, 0 unsupported" in back.stdout, back.stdout + back.stderr
    again = load_task(tmp_path / "suite" / "toolz-get-in-index")
    assert again.config.verifier.fail_to_pass == task.config.verifier.fail_to_pass
    run = hb("run", again.path, "-a", "oracle", "--run-id", "x", "--results", tmp_path / "r", "--no-progress")
    assert "1 passed, 0 failed, 0 errors" in run.stdout, run.stdout + run.stderr


def test_score_predictions_resolved_not_resolved_not_applied(tmp_path: Path) -> None:
    fix = (TASK / "solution" / "patch.diff").read_text()
    wrong = fix.replace("except (KeyError, IndexError, TypeError):", "except (KeyError, TypeError, ValueError):")
    stale = fix.replace(" def get_in(", " def fetch_in(").replace(
        "-    except (KeyError, TypeError):", "-    except X:"
    )
    preds = tmp_path / "preds.jsonl"
    rows = [
        {"instance_id": "toolz-get-in-index", "model_name_or_path": "good", "model_patch": fix},
        {"instance_id": "toolz-get-in-index", "model_name_or_path": "wrong", "model_patch": wrong},
        {"instance_id": "toolz-get-in-index", "model_name_or_path": "stale", "model_patch": stale},
    ]
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = hb("score-predictions", preds, "--suite", TASK.parent, "--run-id", "p", "--results", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "1 resolved, 1 not resolved, 1 not applied, 0 empty patch, 0 error" in res.stdout
    report = json.loads((tmp_path / "p" / "predictions.json").read_text())
    by_model = {r["model"]: r for r in report["results"]}
    assert by_model["good"]["status"] == "resolved" and by_model["good"]["resolution"] == "RESOLVED_FULL"
    assert by_model["wrong"]["status"] == "not resolved"
    assert by_model["stale"]["status"] == "not applied" and "patch_failed" in by_model["stale"]["flags"]
    assert (tmp_path / "p" / "predictions" / "toolz-get-in-index__wrong" / "verifier.log").is_file()


STATEMENT = "get_in raises IndexError for a short list.\n\n```python\nget_in(['a', 3], {'a': [1]})\n```\n"


def _good(c: dict[str, str], **over: str) -> dict[str, str]:
    return {
        "repo": "pytoolz/toolz",
        "instance_id": "pytoolz__toolz-9001",
        "base_commit": c["base"],
        "patch": c["patch"],
        "test_patch": c["test_patch"],
        "problem_statement": STATEMENT,
        "created_at": "2023-01-01T00:00:00Z",
        "version": "0.12",
        "FAIL_TO_PASS": json.dumps(["toolz/tests/test_get_in_more.py::test_index_out_of_range_default"]),
        "PASS_TO_PASS": json.dumps(["toolz/tests/test_get_in_more.py::test_key_missing_default"]),
        "environment_setup_commit": c["release"],  # the environment is set up at the release
        **over,
    }


def _variants(gold: str) -> dict[str, str]:
    """Patches of the gold fix as models write them."""
    lines = gold.splitlines(keepends=True)
    first_context = next(i for i, line in enumerate(lines) if line.startswith(" "))
    stale = [*lines[:first_context], " # a context line the repository no longer has\n", *lines[first_context + 1 :]]
    return {
        "gold": gold,
        "noop": gold.replace(
            "+    except (KeyError, IndexError, TypeError):", "+    except (KeyError, TypeError):  # same"
        ),
        "garbage": "this is not a diff at all\n",
        "stale": "".join(stale),
        "empty": "",
    }


def test_score_predictions_as_swebench_on_an_imported_instance(
    clone: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    repos, c = clone
    patches = _variants(c["patch"])
    instances = tmp_path / "instances.jsonl"
    # The second instance's gold patch applies but fixes nothing: it is not sound here.
    rows = [_good(c), _good(c, instance_id="pytoolz__toolz-9003", patch=patches["noop"])]
    instances.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = hb("tasks", "import-swebench", instances, "--repos", repos, "--out", tmp_path / "suite")
    assert "2 imported, 0 unsupported" in res.stdout, res.stdout + res.stderr

    preds = tmp_path / "preds.jsonl"
    rows = [
        {"instance_id": "pytoolz__toolz-9001", "model_name_or_path": name, "model_patch": patch}
        for name, patch in patches.items()
    ]
    rows.append({"instance_id": "pytoolz__toolz-9003", "model_name_or_path": "gold", "model_patch": c["patch"]})
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = hb("score-predictions", preds, "--suite", tmp_path / "suite", "--run-id", "p", "--results", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "6 prediction(s): 2 resolved, 1 not resolved, 1 not applied, 1 empty patch, 1 error" in res.stdout
    report = json.loads((tmp_path / "p" / "predictions.json").read_text())
    got = {(r["instance_id"], r["model"]): r for r in report["results"]}
    ok = {m: got["pytoolz__toolz-9001", m] for m in patches}
    assert ok["gold"]["status"] == "resolved" and ok["gold"]["patch_method"] == "git apply"
    assert ok["stale"]["status"] == "resolved" and ok["stale"]["patch_method"] == "patch --fuzz=5"
    assert ok["noop"]["status"] == "not resolved" and ok["noop"]["resolution"] == "RESOLVED_NO"
    assert ok["garbage"]["status"] == "not applied" and ok["garbage"]["patch_method"] is None
    assert ok["empty"]["status"] == "empty patch"

    # Soundness first: the unsound instance's prediction is an environment error naming the gold log.
    bad = got["pytoolz__toolz-9003", "gold"]
    assert bad["status"] == "error" and bad["error_kind"] == "environment", bad
    assert "the gold patch does not resolve this instance" in bad["detail"]
    log_path = Path(bad["detail"].rsplit("(log: ", 1)[1].rstrip(")"))
    assert log_path.is_file() and "test_index_out_of_range_default" in log_path.read_text()
    sound = report["soundness"]
    assert sound["pytoolz__toolz-9001"]["gold"] == "passed" and sound["pytoolz__toolz-9001"]["noop"] == "failed"
    assert sound["pytoolz__toolz-9003"]["gold"] == "failed"

    # A run on the imported suite knows it too (from the cache): an agent's verdict there is no failure.
    run = hb(
        "run",
        tmp_path / "suite",
        "-a",
        "tests.agents:SlowOracle",
        "--run-id",
        "r",
        "--results",
        tmp_path / "runs",
        "--no-progress",
    )
    assert "1 passed, 0 failed, 1 errors" in run.stdout, run.stdout + run.stderr
    trial = tmp_path / "runs" / "r" / "trials" / "pytoolz__toolz-9003__tests.agents-SlowOracle__0" / "result.json"
    result = TrialResult.model_validate_json(trial.read_text())
    assert result.status == "error" and result.error_kind == "environment"
    assert result.error is not None and "gold patch does not resolve" in result.error and str(log_path) in result.error


def test_export_of_an_imported_instance_is_read_by_swebench(clone: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT
    from swebench.harness.grading import get_eval_report
    from swebench.harness.utils import make_test_spec

    repos, c = clone
    record = _good(c)
    instances = tmp_path / "instances.jsonl"
    instances.write_text(json.dumps(record) + "\n")
    res = hb("tasks", "import-swebench", instances, "--repos", repos, "--out", tmp_path / "suite")
    assert "1 imported" in res.stdout, res.stdout + res.stderr
    out = tmp_path / "exported.jsonl"
    res = hb("tasks", "export-swebench", tmp_path / "suite", "--output", out)
    assert res.returncode == 0, res.stderr
    (inst,) = [json.loads(line) for line in out.read_text().splitlines()]
    task = load_task(tmp_path / "suite" / "pytoolz__toolz-9001")
    image = images.ensure(task)
    assert inst["base_commit"] == c["base"] and inst["environment_setup_commit"] == c["release"] != c["base"]
    assert inst["problem_statement"] == record["problem_statement"]
    assert (inst["image"], inst["log_parser"], inst["eval_type"], inst["version"]) == (
        image.tag,
        "parse_log_pytest",
        "pass_and_fail",
        "0.12",
    )

    spec = make_test_spec(inst)  # swebench 5.x's own reading of a record
    assert (spec.instance_id, spec.repo, spec.version, spec.image) == (
        "pytoolz__toolz-9001",
        "pytoolz/toolz",
        "0.12",
        image.tag,
    )
    assert spec.FAIL_TO_PASS == ["toolz/tests/test_get_in_more.py::test_index_out_of_range_default"]
    assert any(START_TEST_OUTPUT in line for line in spec.eval_script_list)
    assert any(END_TEST_OUTPUT in line for line in spec.eval_script_list)

    # The eval script runs in the image as swebench runs it, and swebench's grading reads its log.
    for name, resolved in (("gold", True), ("noop", False)):
        with Sandbox.start(image.tag, workdir="/work/repo") as sb:
            sb.write_file("/tmp/patch.diff", _variants(inst["patch"])[name])
            assert sb.exec("git apply --verbose /tmp/patch.diff").exit_code == 0
            sb.write_file("/eval.sh", spec.eval_script)
            log_text = sb.exec("/bin/bash /eval.sh", timeout=300).output
            assert sb.exec("git status --porcelain -uall -- 'toolz/tests/*.py'").stdout.strip() == ""  # tests put back
        log_file = tmp_path / f"{name}.log"
        log_file.write_text(log_text)
        pred = {"instance_id": spec.instance_id, "model_name_or_path": name, "model_patch": "x"}
        report = get_eval_report(spec, pred, str(log_file), include_tests_status=True)
        assert report[spec.instance_id]["resolved"] is resolved, log_text[-2000:]
