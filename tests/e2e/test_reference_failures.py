"""The reference solution failing for want of the outside world or of time is the
environment's failure (an error), while any other agent's attempt that fails so stays a
failure, flagged: an agent could otherwise turn its failures into errors.

Harbor-format fixtures from tests/fixtures/harbor_suite, copied and changed here:
``agent-downloads`` with its outside host not answering, ``tool-in-usr-local`` with tests
that outlast their time limit.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from horizonbench.models import TrialResult
from tests.helpers import hb

pytestmark = pytest.mark.docker

SUITE = Path(__file__).resolve().parents[1] / "fixtures" / "harbor_suite"


def _run(suite: Path, results: Path, *agents: str) -> dict[str, TrialResult]:
    args = [a for agent in agents for a in ("--agent", agent)]
    res = hb("run", suite, *args, "--run-id", "ref", "--results", results, "--no-progress", "--network", "on")
    assert res.returncode == 0, res.stdout + res.stderr
    trials = results / "ref" / "trials"
    return {p.name: TrialResult.model_validate_json((p / "result.json").read_text()) for p in trials.iterdir()}


def test_the_reference_solution_cut_off_from_its_download_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SUITE / "agent-downloads", tmp_path / "suite" / "agent-downloads")
    monkeypatch.setenv("HORIZONBENCH_EGRESS_RESOLVE", "outside.test:80=127.0.0.1:9")  # nothing answers there
    results = _run(tmp_path / "suite", tmp_path / "r", "oracle", "tests.agents:SlowOracle")
    oracle = results["agent-downloads__oracle__0"]
    assert (oracle.status, oracle.error_kind) == ("error", "network"), (oracle.status, oracle.error)
    assert oracle.error is not None and "the reference solution could not reach outside.test" in oracle.error
    assert "network_unreachable" in oracle.flags
    other = results["agent-downloads__tests.agents-SlowOracle__0"]  # the same solution, not the trusted reference
    assert other.status == "failed" and other.error is None, (other.status, other.error)
    assert "network_unreachable" in other.flags


def test_the_reference_solution_s_tests_out_of_time_are_an_error(tmp_path: Path) -> None:
    task = tmp_path / "suite" / "tool-in-usr-local"
    shutil.copytree(SUITE / "tool-in-usr-local", task)
    toml = task / "task.toml"
    toml.write_text(re.sub(r"(\[verifier\]\ntimeout_sec = )[0-9.]+", r"\g<1>5.0", toml.read_text()))
    test = task / "tests" / "test.sh"
    test.write_text(test.read_text().replace("mkdir -p /logs/verifier\n", "mkdir -p /logs/verifier\nsleep 60\n", 1))
    results = _run(tmp_path / "suite", tmp_path / "r", "oracle", "nop")
    oracle = results["tool-in-usr-local__oracle__0"]
    assert (oracle.status, oracle.error_kind) == ("error", "verifier"), (oracle.status, oracle.error)
    assert oracle.error is not None and "the tests ran out of time (5 s) on the reference solution" in oracle.error
    nop = results["tool-in-usr-local__nop__0"]
    assert nop.status == "failed" and nop.verdict is not None and "verifier_timeout" in nop.verdict.flags
