"""Deciding claims for the least money, end to end: a pilot of two scripted endpoints whose
success rates differ (the openai adapter against them, real Docker trials on tasks/smoke),
``claims plan`` on the pilot, then ``run --until-decided`` stopping before its maximum."""

from __future__ import annotations

import json
import random
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn, call
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker

SMOKE = REPO / "tasks" / "smoke"
KEY_ENV = "HB_SCRIPTED_API_KEY"
RATES = {"good-model": 0.95, "bad-model": 0.05}
MAX_ROUNDS = 8

CLAIMS = """\
schema_version = 1

[[claim]]
id = "good-solves-30"
text = "good-model solves at least 30% of the smoke suite"
kind = "pass_rate"
subject = { model = "good-model" }
suite = "smoke"
op = ">="
value = 0.3

[[claim]]
id = "bad-solves-70"
text = "bad-model solves at least 70% of the smoke suite"
kind = "pass_rate"
subject = { model = "bad-model" }
suite = "smoke"
op = ">="
value = 0.7
"""


def solution(task: str) -> str:
    """The reference solution as one shell command, run in the task's working directory."""
    sol = SMOKE / task / "solution"
    if (sol / "patch.diff").is_file():
        return f"git apply --whitespace=nowarn <<'PATCH'\n{(sol / 'patch.diff').read_text()}PATCH\n"
    return f"bash <<'SOLVE'\n{(sol / 'solve.sh').read_text()}SOLVE\n"


class Coin:
    """A model that solves a task with its model's rate: the first turn applies the reference
    solution or does nothing, drawn per conversation; the second submits."""

    def __init__(self) -> None:
        self.rng = random.Random(20)
        self.lock = threading.Lock()
        self.tasks = {t: (SMOKE / t / "instruction.md").read_text().split("\n")[0][:40] for t in self._names()}

    @staticmethod
    def _names() -> list[str]:
        return sorted(p.name for p in SMOKE.iterdir() if (p / "task.toml").is_file())

    def __call__(self, body: dict[str, Any], protocol: str, step: int) -> Turn:
        if step > 0:
            return call("submit", summary="done")
        text = json.dumps(body.get("messages", []))
        task = next(t for t, first in self.tasks.items() if json.dumps(first)[1:-1] in text)
        with self.lock:
            solve = self.rng.random() < RATES[body["model"]]
        return call("bash", command=solution(task) if solve else "true")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(KEY_ENV, "sk-scripted-0123456789abcdef")
    with ScriptedServer(Coin()) as s:
        yield s


def models_file(tmp_path: Path, url: str) -> Path:
    entries = "".join(
        f'[[model]]\nname = "{name}"\nprovider = "openai"\nbase_url = "{url}"\napi_key_env = "{KEY_ENV}"\n'
        f"price = {{ input = 3.0, cached_input = 0.3, output = 15.0 }}\n"
        for name in RATES
    )
    path = tmp_path / "models.toml"
    path.write_text('schema_version = "1"\n' + entries)
    return path


def run(results: Path, models: Path, model: str, run_id: str, *extra: str | Path) -> str:
    res = hb(
        "run", SMOKE, "--agent", "openai", "--model", model, "--models", models,
        "--run-id", run_id, "--results", results, "--no-progress", *extra,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout + res.stderr


def test_pilot_plan_then_run_until_decided(server: ScriptedServer, tmp_path: Path) -> None:
    results, claims = tmp_path / "results", tmp_path / "claims.toml"
    claims.write_text(CLAIMS)
    models = models_file(tmp_path, server.openai_url)
    for model in RATES:
        run(results, models, model, f"pilot-{model}", "--attempts", "2")

    plan = hb(
        "claims", "plan", claims, "--pilot", results / "pilot-good-model", "--pilot", results / "pilot-bad-model",
        "--models", models, "--attempts", "1", "--attempts", "4", "--attempts", "8", "--budget-usd", "5",
    )  # fmt: skip
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "### good-solves-30 (pass_rate)" in plan.stdout and "### bad-solves-70 (pass_rate)" in plan.stdout
    assert re.search(r"\| 3 x 8 \| 24 \| \$[\d.]+ \|", plan.stdout), plan.stdout
    assert "pilot tokens at good-model's list price" in plan.stdout

    for model, claim, verdict in (
        ("good-model", "good-solves-30", "supported"),
        ("bad-model", "bad-solves-70", "contradicted"),
    ):
        out = run(results, models, model, f"seq-{model}", "--attempts", str(MAX_ROUNDS), "--until-decided", claims)
        decisions = json.loads((results / f"seq-{model}" / "decisions.json").read_text())
        assert decisions["stopped_early"] and decisions["rounds_run"] < MAX_ROUNDS, out
        by_id = {c["claim_id"]: c for c in decisions["claims"]}
        assert by_id[claim]["verdict"] == verdict, out
        assert by_id[claim]["decided_at_round"] == decisions["rounds_run"]
        other = next(c for c in by_id if c != claim)
        assert by_id[other]["verdict"] == "not monitored"
        # Every trial that ran is kept: three tasks per round, none beyond the last round.
        trials = list((results / f"seq-{model}" / "trials").glob("*/result.json"))
        assert len(trials) == 3 * decisions["rounds_run"]
        assert f"round {decisions['rounds_run']}/{MAX_ROUNDS}" in out and "fewer" in out
        assert "Waudby-Smith" in decisions["method"]
        print(f"{model}: {verdict} at round {decisions['rounds_run']} of {MAX_ROUNDS}, {len(trials)} trials")

    # The same run id without --until-decided resumes the same run up to the planned maximum.
    run_json = json.loads((results / "seq-good-model" / "run.json").read_text())
    assert run_json["config"]["attempts"] == MAX_ROUNDS
