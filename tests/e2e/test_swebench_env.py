"""SWE-bench instances in their own environments: real python-dateutil history, Python 3.9
from the bullseye base image, packages beyond pytest, ``pip install -e .`` offline, and one
environment image shared by two instances of the same (repo, version)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from horizonbench.models import TrialResult
from horizonbench.sandbox import base_image, engine, images
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.tasks.loader import load_task
from tests.helpers import hb
from tests.swe_history import FIXES, dateutil_history, write_jsonl

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    base_image.ensure(release="bullseye")  # Python 3.9's base image (debootstrap where no registry answers)
    return dateutil_history(tmp_path_factory.mktemp("dateutil"))


def _layers(image_id: str) -> list[str]:
    return list(engine.client().images.get(image_id).attrs["RootFS"]["Layers"])


def test_instances_get_their_environment_and_share_its_image(
    history: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    repos, rows = history
    old_python = {**rows[0], "instance_id": "dateutil__dateutil-py37", "python": "3.7"}  # no release ships it
    instances = write_jsonl(tmp_path / "instances.jsonl", [*rows, old_python])
    res = hb("tasks", "import-swebench", instances, "--repos", repos, "--out", tmp_path / "suite")
    assert res.returncode == 0, res.stderr
    assert "2 imported, 1 unsupported" in res.stdout, res.stdout
    assert "dateutil__dateutil-py37: Python 3.7 is not shipped by any release with a base image" in res.stdout
    assert not (tmp_path / "suite" / "dateutil__dateutil-py37").exists()

    tasks = [load_task(tmp_path / "suite" / iid) for iid in FIXES]
    layers = [images.layer_of(t) for t in tasks]
    assert layers[0] is not None and layers[0] == layers[1], "one environment per (repo, version, setup commit)"
    assert tasks[0].config.metadata.model_dump()["swebench_env_spec"] == "record"

    run = hb(
        "run", tmp_path / "suite", "-a", "oracle", "-a", "nop", "--run-id", "e", "--results", tmp_path / "r",
        "--no-progress", timeout=1500,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed, 2 failed, 0 errors" in run.stdout, run.stdout
    for iid in FIXES:
        trial = tmp_path / "r" / "e" / "trials" / f"{iid}__oracle__0" / "result.json"
        oracle = TrialResult.model_validate_json(trial.read_text())
        assert oracle.verdict is not None and oracle.verdict.resolution == "RESOLVED_FULL"

    # The environment image is built once, present on the next call, and under both instances.
    env = images.ensure(layers[0])
    assert not env.built
    env_layers = _layers(env.image_id)
    built = [images.ensure(t) for t in tasks]
    assert all(not b.built for b in built)
    for b in built:
        assert _layers(b.image_id)[: len(env_layers)] == env_layers
    with Sandbox.start(built[0].tag, workdir="/work/repo") as sb:
        assert sb.exec("python3 -c 'import sys; print(sys.version_info[:2])'").stdout.strip() == "(3, 9)"
        # pip install -e . from the wheelhouse: the checkout itself is what Python imports.
        where = sb.exec("cd / && python3 -c 'import dateutil, six; print(dateutil.__file__)'")
        assert where.stdout.strip() == "/work/repo/dateutil/__init__.py", where.stdout + where.stderr
        assert sb.exec("git status --porcelain").stdout.strip() == "", "the install leaves no change to grade"
        assert sb.exec("git rev-list --all | wc -l").stdout.strip() == "1"
        assert "2.8.2" not in sb.exec("git log --all --format=%s").stdout


def test_an_unbuildable_environment_is_an_image_error(
    history: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """A requirement no registry serves fails the environment build: an image error, not the agent's failure."""
    repos, rows = history
    spec_keys = ("python", "packages", "pip_packages", "install", "test_cmd")
    bad = {k: v for k, v in rows[1].items() if k not in spec_keys}
    bad = {**bad, "instance_id": "dateutil__dateutil-nowheel", "python": "3.9", "packages": "pytest==7.4.4"}
    bad["pip_packages"] = ["horizonbench-no-such-package==0.0.1"]
    res = hb("tasks", "import-swebench", write_jsonl(tmp_path / "i.jsonl", [bad]), "--repos", repos,
             "--out", tmp_path / "suite")  # fmt: skip
    assert "1 imported, 0 unsupported" in res.stdout, res.stdout + res.stderr
    run = hb("run", tmp_path / "suite", "-a", "oracle", "--run-id", "b", "--results", tmp_path / "r", "--no-progress")
    assert "0 passed, 0 failed, 1 errors" in run.stdout, run.stdout + run.stderr
    trial = tmp_path / "r" / "b" / "trials" / "dateutil__dateutil-nowheel__oracle__0" / "result.json"
    result = json.loads(trial.read_text())
    assert result["status"] == "error" and result["error_kind"] == "image", result
    assert "horizonbench-no-such-package" in result["error"] and "Python 3.9" in result["error"], result["error"]


def test_a_requirement_with_no_wheel_for_its_python_is_built_in_the_image(
    history: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """pywatchman (in Django's test requirements) is published as an sdist with a C extension
    only: its sdist is kept in the wheelhouse and built in the environment layer, with the
    compiler and Python headers that takes."""
    repos, rows = history
    row = {**rows[1], "instance_id": "dateutil__dateutil-sdist"}
    row["pip_packages"] = [*rows[1]["pip_packages"], "pywatchman==4.0.0"]
    res = hb("tasks", "import-swebench", write_jsonl(tmp_path / "i.jsonl", [row]), "--repos", repos,
             "--out", tmp_path / "suite")  # fmt: skip
    assert "1 imported, 0 unsupported" in res.stdout, res.stdout + res.stderr
    task = load_task(tmp_path / "suite" / "dateutil__dateutil-sdist")
    built = images.ensure(task)
    with Sandbox.start(built.tag, workdir="/work/repo") as sb:
        kept = sb.exec("ls /opt/hb-wheelhouse; cat /opt/hb-wheelhouse/hb-build-packages.txt").stdout
        assert "pywatchman-4.0.0.tar.gz" in kept and "python3-dev" in kept, kept
        assert "pywatchman-4.0.0-py3-none-any.whl" not in kept, "the stand-in for resolving is not kept"
        check = sb.exec("python3 -c 'import pywatchman.bser as b; print(b.__file__)'")
        assert check.exit_code == 0 and check.stdout.strip().endswith(".so"), check.stdout + check.stderr


def test_python_36_from_ubuntus_archive_with_the_guard(
    history: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """An instance on Python 3.6 (SWE-bench's Django 3.x and scikit-learn 0.2x environments) gets
    Ubuntu bionic's base image, bootstrapped from Ubuntu's archive; pytest runs under the guard
    there too (the guard is installed without its annotations)."""
    base_image.ensure(release="bionic")
    repos, rows = history
    row = {**rows[0], "instance_id": "dateutil__dateutil-py36", "python": "3.6", "packages": "pytest==7.0.1"}
    row["pip_packages"] = ["six==1.16.0", "pytest-cov==4.0.0", "setuptools==58.5.3", "setuptools_scm==6.4.2"]
    res = hb("tasks", "import-swebench", write_jsonl(tmp_path / "i.jsonl", [row]), "--repos", repos,
             "--out", tmp_path / "suite")  # fmt: skip
    assert "1 imported, 0 unsupported" in res.stdout, res.stdout + res.stderr
    run = hb("run", tmp_path / "suite", "-a", "oracle", "-a", "nop", "--run-id", "u", "--results", tmp_path / "r",
             "--no-progress", timeout=1500)  # fmt: skip
    assert "1 passed, 1 failed, 0 errors" in run.stdout, run.stdout + run.stderr
    trial = tmp_path / "r" / "u" / "trials" / "dateutil__dateutil-py36__oracle__0"
    assert "platform linux -- Python 3.6." in (trial / "verifier.log").read_text()
    guard = json.loads((trial / "guard.json").read_text())
    assert guard["runs"] == 1 and guard["first_run"] and not guard["problems"], guard
