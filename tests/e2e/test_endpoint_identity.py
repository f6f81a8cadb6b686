"""A run records the fingerprint of the endpoint it used, and a claim that requires the vendor's
endpoint is inconclusive when the subject's endpoint answers differently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn, call
from horizonbench.models import RunManifest
from tests.helpers import REPO, hb
from tests.unit.test_fingerprint import ARGS_AS_STRINGS, VENDOR

pytestmark = pytest.mark.docker

CLAIMS = """\
schema_version = 1

[[claim]]
id = "solves-some"
text = "Solves at least some tasks"
kind = "pass_rate"
subject = {{ model = "served" }}
op = "<="
value = 1.0
endpoint_reference = "{reference}"
"""


def _serving(probe_answers: Any) -> Any:
    """An endpoint that answers the probe set like ``probe_answers`` and the agent with a submit."""

    def script(body: dict[str, Any], protocol: str, step: int) -> Turn:
        if not any(m.get("role") == "system" for m in body["messages"]):
            return probe_answers(body, protocol, step)  # probes send a lone user message
        return call("submit", summary="nothing to do")

    return script


def test_a_claim_requiring_the_vendor_endpoint(tmp_path: Path) -> None:
    with ScriptedServer(VENDOR) as vendor:
        res = hb(
            "endpoints", "probe", "--model", "served", "--base-url", vendor.openai_url, "--out", tmp_path / "ref.json"
        )
        assert res.returncode == 0, res.stderr
    for run_id, behaviour in (("same", VENDOR), ("other", ARGS_AS_STRINGS)):
        with ScriptedServer(_serving(behaviour)) as server:
            res = hb(
                "run", REPO / "tasks" / "smoke" / "word-report", "--agent", "openai", "--model", "served",
                "--base-url", server.openai_url, "--fingerprint", "probe", "--run-id", run_id,
                "--results", tmp_path / "results", "--no-progress",
            )  # fmt: skip
            assert res.returncode == 0, res.stderr
        manifest = RunManifest.model_validate_json((tmp_path / "results" / run_id / "run.json").read_text())
        assert manifest.endpoint is not None and (tmp_path / "results" / run_id / "fingerprint.json").is_file()
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIMS.format(reference="ref.json"))
    same = hb("claims", "check", claims, tmp_path / "results" / "same")
    assert same.returncode == 0, same.stderr
    assert "supported" in same.stdout and "Endpoint:" not in same.stdout
    other = hb("claims", "check", claims, tmp_path / "results" / "other", "--markdown", tmp_path / "other.md")
    assert other.returncode == 0, other.stderr
    text = (tmp_path / "other.md").read_text()
    assert "inconclusive" in text and "endpoint agrees with the reference on 75% of tool calls" in text
