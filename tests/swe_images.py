"""SWE-bench-style evaluation images of the python-dateutil history (:mod:`tests.swe_history`),
laid out as swebench's are, and records that name them.

An image holds the repository at ``/testbed`` as a git repository at the record's
``base_commit`` (the clone reset there, its remote and every later commit gone, as
swebench's ``make_repo_script_list_py`` leaves it), an environment where its tests run
(a venv at ``/opt/testbed`` in place of the conda env ``testbed``: pytest and the spec's
pip packages from a wheelhouse downloaded on the host, then ``pip install -e .``) and the
empty ``SWE-bench`` commit swebench makes after the install. The records' ``eval_script``
has the layout of swebench's ``make_eval_script_list_py``, activating the venv where
swebench's activates the conda env. The image is tagged by a hash of its content and kept.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docker
import docker.errors

from horizonbench.sandbox import base_image, images
from tests.swe_history import SPEC, git

ACTIVATE = "source /opt/testbed/bin/activate"
REQUIREMENTS = ["pytest==7.4.4", *SPEC["pip_packages"], "wheel==0.37.1"]
DOCKERFILE = """FROM {base}
COPY wheelhouse /opt/wheelhouse
RUN python3 -m venv /opt/testbed \\
 && /opt/testbed/bin/python -m pip install -q --no-index --find-links /opt/wheelhouse \\
    -r /opt/wheelhouse/requirements.txt \\
 && rm -rf /opt/wheelhouse
COPY testbed /testbed
WORKDIR /testbed
RUN . /opt/testbed/bin/activate && python -m pip install -q --no-index --no-build-isolation -e . \\
 && git config --global user.email setup@swebench.config && git config --global user.name SWE-bench \\
 && git commit --allow-empty -am SWE-bench
"""


def swebench_name(instance_id: str) -> str:
    """swebench's name for an instance's evaluation image (``__`` spelled ``_1776_``)."""
    return f"swebench/sweb.eval.x86_64.{instance_id.replace('__', '_1776_').lower()}"


def eval_image(client: docker.DockerClient, repos: Path, base: str, work: Path) -> str:
    """The tag of the evaluation image of the dateutil clone at ``base`` (built once, then found by it)."""
    bullseye = base_image.ensure(release="bullseye").tag
    dockerfile = DOCKERFILE.format(base=bullseye)
    bullseye_id = client.images.get(bullseye).id
    key = hashlib.sha256(json.dumps([dockerfile, REQUIREMENTS, base, bullseye_id]).encode()).hexdigest()[:16]
    tag = f"hb-test/swe-eval-dateutil:{key}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    ctx = work / "eval-image"
    shutil.rmtree(ctx, ignore_errors=True)
    ctx.mkdir(parents=True)
    testbed = ctx / "testbed"
    subprocess.run(["git", "clone", "-q", "--no-local", str(repos / "dateutil__dateutil"), str(testbed)], check=True)
    git(testbed, "reset", "-q", "--hard", base)
    git(testbed, "remote", "remove", "origin")
    git(testbed, "reflog", "expire", "--expire=now", "--all")
    git(testbed, "gc", "-q", "--prune=now")
    images.download_wheelhouse(REQUIREMENTS, ctx / "wheelhouse", python_version="3.9")
    (ctx / "Dockerfile").write_text(dockerfile)
    client.images.build(path=str(ctx), tag=tag, network_mode="host", rm=True)
    return tag


def eval_script(row: dict[str, Any], test_cmd: str = "pytest -rA", activate: str = ACTIVATE) -> str:
    """A record's eval_script in swebench's layout (``make_eval_script_list_py``)."""
    base, test_patch = row["base_commit"], row["test_patch"]
    files = sorted({line[len("+++ b/") :] for line in test_patch.splitlines() if line.startswith("+++ b/")})
    reset = f"git checkout {base} {' '.join(files)}"
    lines = [
        "#!/bin/bash",
        "set -uxo pipefail",
        activate,
        "cd /testbed",
        "git config --global --add safe.directory /testbed",
        "cd /testbed",
        "git status",
        "git show",
        f"git -c core.fileMode=false diff {base}",
        activate,
        reset,
        f"git apply -v - <<'EOF_114329324912'\n{test_patch.rstrip()}\nEOF_114329324912",
        ": '>>>>> Start Test Output'",
        f"{test_cmd} {' '.join(files)}",
        ": '>>>>> End Test Output'",
        reset,
    ]
    return "\n".join(lines) + "\n"


def with_image(row: dict[str, Any], image: str, **over: Any) -> dict[str, Any]:
    """A swebench 5 record: the row with its evaluation image, eval script, parser and eval type."""
    return {
        **row,
        "image": image,
        "eval_script": eval_script(row),
        "log_parser": "parse_log_pytest",
        "eval_type": "pass_and_fail",
        **over,
    }
