"""A sandbox's snapshot, as same-mode grading starts its grading container from it."""

from __future__ import annotations

import pytest

from horizonbench.sandbox import Sandbox, engine
from horizonbench.sandbox.egress import PROXY_VARS, proxy_env
from horizonbench.sandbox.snapshot import remove_snapshot
from tests.conftest import LIMITS, WORKDIR

pytestmark = pytest.mark.docker


def test_a_snapshot_keeps_the_files_and_not_the_agent_phases_proxy(base_image: str) -> None:
    """The agent phase's proxy is in its shells' environment, not the container's, so the
    grading container started from a snapshot of it does not inherit it."""
    sb = Sandbox.start(
        base_image, limits=LIMITS, workdir=WORKDIR, env={"TASK_SETTING": "kept"}, session_env=proxy_env(ca=True)
    )
    image = ""
    try:
        assert sb.exec("echo $HTTPS_PROXY", timeout=30).output.strip() == "http://127.0.0.1:3128"
        assert sb.shell("echo $SSL_CERT_FILE", timeout=30).output.strip() == "/run/hb-egress/ca-bundle.crt"
        sb.exec("echo made-by-agent > /tmp/left.txt", timeout=30)
        image = sb.snapshot({"horizonbench.role": "grader"})
        names = {e.split("=", 1)[0]: e for e in engine.client().api.inspect_image(image)["Config"]["Env"]}
        assert names["TASK_SETTING"] == "TASK_SETTING=kept" and "PATH" in names
        assert not PROXY_VARS & set(names)
        assert sb.exec("cat /tmp/left.txt", timeout=30).output.strip() == "made-by-agent"  # it ran on
        grader = Sandbox.start(image, limits=LIMITS, workdir=WORKDIR, join=sb)
        try:
            assert grader.exec("cat /tmp/left.txt", timeout=30).output.strip() == "made-by-agent"
            assert grader.exec("echo ${HTTPS_PROXY:-none}", timeout=30).output.strip() == "none"
        finally:
            grader.close()
    finally:
        sb.close()
        if image:
            remove_snapshot(image)
