"""Claims files: loading, one-line errors, and each kind of claim supported, contradicted or inconclusive."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from horizonbench.errors import ClaimsFileError, HorizonError
from horizonbench.scoring import (
    ClaimsFile,
    CostRatioClaim,
    HorizonClaim,
    PassRateClaim,
    WithinClaim,
    check_claims,
    load_claims,
    verdicts_to_markdown,
)

N_TASKS = 40


def model_rows(model: str, passed: set[int], cost: list[float] | float) -> list[dict[str, object]]:
    """One attempt at each of 40 tasks (task i takes 1 + 3i expert minutes)."""
    costs = cost if isinstance(cost, list) else [cost] * N_TASKS
    return [
        {
            "task": f"t{i:02d}",
            "suite": "swe",
            "agent": "openai",
            "model": model,
            "status": "passed" if i in passed else "failed",
            "expert_minutes": 1.0 + 3 * i,
            "cost_usd": costs[i],
        }
        for i in range(N_TASKS)
    ]


def horizon_rows(model: str, seed: int = 11) -> list[dict[str, object]]:
    """300 tasks, two attempts each, succeeding with p = sigmoid(log2(30) - log2(minutes)): h50 = 30 min."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for t in range(300):
        minutes = 2 ** rng.uniform(0, 10)
        p = 1 / (1 + math.exp(math.log2(minutes) - math.log2(30)))
        for _ in range(2):
            status = "passed" if rng.random() < p else "failed"
            rows.append(
                {"task": f"h{t}", "suite": "swe", "agent": "openai", "model": model, "status": status}
                | {"expert_minutes": minutes, "cost_usd": 0.0}
            )
    return rows


X_PASSED = set(range(36))  # 36 of 40: pass@1 0.9, Wilson 95% interval [0.7695, 0.9604]


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    cheap_then_dear = [0.5] * 20 + [3.0] * 20
    rows = (
        model_rows("x", X_PASSED, 1.0)
        + model_rows("z", X_PASSED, 4.0)  # same outcomes as x at four times the cost
        + model_rows("w", set(), 1.0)  # fails everything
        + model_rows("v", set(range(32)) | {36, 37}, 1.0)  # x minus 4 tasks plus 2: 5 points below
        + model_rows("c", X_PASSED, cheap_then_dear)  # costs 70 / 160 of z's, spread unevenly
        + horizon_rows("h")
    )
    rows.append({**rows[0], "model": "x", "task": "t00", "status": "error", "cost_usd": 9.0})
    return pd.DataFrame(rows)


def pass_rate(op: str, value: float, **extra: object) -> PassRateClaim:
    data = {"id": "p", "text": "", "kind": "pass_rate", "subject": {"model": "x"}, "op": op, "value": value}
    return PassRateClaim.model_validate(data | extra)


def verdict_of(claim: object, df: pd.DataFrame) -> str:
    [v] = check_claims([claim], df, n_bootstrap=400)  # type: ignore[list-item]
    return v.verdict


class TestPassRate:
    def test_verdicts(self, results: pd.DataFrame) -> None:
        # Wilson interval for 36/40 is [0.7695, 0.9604]; the error trial is left out.
        assert verdict_of(pass_rate(">=", 0.7), results) == "supported"
        assert verdict_of(pass_rate(">=", 0.8), results) == "inconclusive"
        assert verdict_of(pass_rate(">=", 0.97), results) == "contradicted"
        assert verdict_of(pass_rate("<=", 0.97), results) == "supported"
        assert verdict_of(pass_rate("<=", 0.75), results) == "contradicted"

    def test_evidence(self, results: pd.DataFrame) -> None:
        [v] = check_claims([pass_rate(">=", 0.8)], results)
        assert v.estimate == pytest.approx(0.9)
        assert v.low == pytest.approx(0.7695, abs=1e-4) and v.high == pytest.approx(0.9604, abs=1e-4)
        assert v.n_tasks == 40
        assert "wilson" in v.test and "1 errors excluded" in v.detail

    def test_length_filter(self, results: pd.DataFrame) -> None:
        # Under 50 minutes x ran tasks 0-16 and passed all 17: Wilson lower bound 17 / (17 + z²) = 0.816.
        assert verdict_of(pass_rate(">=", 0.8, max_minutes=50), results) == "supported"
        [v] = check_claims([pass_rate(">=", 0.8, min_minutes=5000)], results)
        assert v.verdict == "inconclusive" and v.n_tasks == 0


def within(subject: str, points: float, **extra: object) -> WithinClaim:
    data = {"id": "w", "text": "", "kind": "within", "subject": {"model": subject}, "reference": {"model": "x"}}
    return WithinClaim.model_validate(data | {"points": points} | extra)


class TestWithin:
    def test_verdicts(self, results: pd.DataFrame) -> None:
        # z matches x task for task. Identical outcomes on 40 tasks still leave room for a
        # share of up to u = z² / (40 + z²) = 8.76% of tasks to differ: within 10 points is
        # supported, within 3 is not yet shown.
        assert verdict_of(within("z", 10), results) == "supported"
        assert verdict_of(within("z", 3), results) == "inconclusive"
        # w is 90 points below x on every resample.
        assert verdict_of(within("w", 3), results) == "contradicted"
        # v is 5 points below on average, but with 6 of 40 tasks differing the interval
        # spans roughly -17 to +7 points: neither inside nor outside ±3.
        assert verdict_of(within("v", 3), results) == "inconclusive"

    def test_evidence_and_empty_filter(self, results: pd.DataFrame) -> None:
        [v] = check_claims([within("v", 3)], results)
        assert v.estimate == pytest.approx(-0.05)
        assert v.low < -0.03 < v.high and v.low < 0.03 < v.high
        assert v.n_tasks == 40
        [empty] = check_claims([within("v", 3, min_minutes=5000)], results)
        assert empty.verdict == "inconclusive" and "no task in common" in empty.detail


def horizon(op: str, value: float, quantile: int = 50) -> HorizonClaim:
    data = {"id": "h", "text": "", "kind": "horizon", "subject": {"agent": "openai", "model": "h"}}
    return HorizonClaim.model_validate(data | {"op": op, "value": value, "quantile": quantile})


class TestHorizon:
    def test_verdicts(self, results: pd.DataFrame) -> None:
        # The true 50% horizon is 30 minutes and the 80% horizon 11.5.
        assert verdict_of(horizon(">=", 5), results) == "supported"
        assert verdict_of(horizon(">=", 500), results) == "contradicted"
        assert verdict_of(horizon(">=", 30), results) == "inconclusive"
        assert verdict_of(horizon("<=", 500), results) == "supported"
        assert verdict_of(horizon(">=", 120, quantile=80), results) == "contradicted"

    def test_evidence(self, results: pd.DataFrame) -> None:
        [v] = check_claims([horizon(">=", 30)], results, n_bootstrap=400)
        assert v.estimate is not None and v.low < v.estimate < v.high
        assert v.low < 30 < v.high
        assert v.n_tasks == 300

    def test_estimation_choices_per_claim_are_recorded(self, results: pd.DataFrame) -> None:
        [default] = check_claims([horizon(">=", 30)], results, n_bootstrap=200)
        assert default.method == "default: weights=equal, l2=0.1, interval=family-bootstrap"
        metr = HorizonClaim.model_validate(horizon(">=", 30).model_dump() | {"method": "metr"})
        custom = HorizonClaim.model_validate(
            horizon(">=", 30).model_dump() | {"weights": "invsqrt_family", "reg": 0.05}
        )
        [m, c] = check_claims([metr, custom], results, n_bootstrap=200)
        assert m.method == "metr: weights=invsqrt_family, reg=0.1 (METR scale), interval=hierarchical-bootstrap"
        assert "hierarchical-bootstrap" in m.test
        assert c.method == "custom: weights=invsqrt_family, reg=0.05 (METR scale), interval=family-bootstrap"
        # The command line's choice applies where the claim sets none; the claim's own wins.
        [d, m2] = check_claims([horizon(">=", 30), metr], results, n_bootstrap=200, horizon="metr")
        assert d.method == m.method == m2.method
        [r] = check_claims([pass_rate(">=", 0.8, interval="cluster-normal")], results, interval="cluster-t")
        assert r.method.startswith("interval=cluster-normal")

    def test_one_penalty_per_claim(self) -> None:
        with pytest.raises(ValueError, match="give l2 or reg, not both"):
            HorizonClaim.model_validate(horizon(">=", 30).model_dump() | {"l2": 1.0, "reg": 0.1})


def cost_ratio(subject: str, ratio: float) -> CostRatioClaim:
    data = {"id": "c", "text": "", "kind": "cost_ratio", "subject": {"model": subject}, "reference": {"model": "z"}}
    return CostRatioClaim.model_validate(data | {"ratio": ratio})


class TestCostRatio:
    def test_verdicts(self, results: pd.DataFrame) -> None:
        # x costs a quarter of z on every task with the same passes: every resample gives 0.25.
        assert verdict_of(cost_ratio("x", 0.5), results) == "supported"
        assert verdict_of(cost_ratio("x", 0.2), results) == "contradicted"
        # c spends 70 against z's 160 on the same passes: 0.4375, but how many cheap and
        # dear tasks a resample draws moves it by about ±0.1.
        assert verdict_of(cost_ratio("c", 0.45), results) == "inconclusive"
        assert verdict_of(cost_ratio("c", 0.7), results) == "supported"
        assert verdict_of(cost_ratio("c", 0.3), results) == "contradicted"

    def test_evidence(self, results: pd.DataFrame) -> None:
        [x, c] = check_claims([cost_ratio("x", 0.5), cost_ratio("c", 0.45)], results)
        # x's error trial (which cost $9) is left out, so every resample keeps the ratio at 0.25.
        assert (x.estimate, x.low, x.high) == pytest.approx((0.25, 0.25, 0.25))
        assert c.estimate == pytest.approx(70 / 160)

    def test_nothing_solved_is_contradicted(self, results: pd.DataFrame) -> None:
        # w solves nothing: its cost per solved task is infinite, so any ratio is contradicted.
        [v] = check_claims([cost_ratio("w", 10.0)], results)
        assert v.verdict == "contradicted" and v.estimate == math.inf


class TestSelection:
    def test_unknown_subject_names_claim_and_field(self, results: pd.DataFrame) -> None:
        claims = ClaimsFile.model_validate({"schema_version": 1, "claim": [within("z", 3).model_dump()]})
        bad = within("z", 3).model_copy(update={"reference": within("nope", 3).subject})
        with pytest.raises(ClaimsFileError) as err:
            check_claims([claims.claims[0], bad], results)
        message = str(err.value)
        assert message.startswith("claims: claim[1].reference: no trials match model='nope'")
        assert "models in the results: c, h, v, w, x, z" in message

    def test_unknown_suite(self, results: pd.DataFrame) -> None:
        with pytest.raises(ClaimsFileError, match=r"claim\[0\]\.suite: no trials of model='x' in suite 'tb'"):
            check_claims([pass_rate(">=", 0.5, suite="tb")], results)

    def test_markdown_table(self, results: pd.DataFrame) -> None:
        text = verdicts_to_markdown(check_claims([pass_rate(">=", 0.7), within("w", 3)], results))
        lines = text.strip().splitlines()
        assert len(lines) == 4
        assert lines[2].startswith("| p | supported | 0.9 |")
        assert lines[3].startswith("| w | contradicted | -0.9 |")


GOOD = """\
schema_version = 1

[[claim]]
id = "x-70"
text = "X resolves at least 70% of swe"
kind = "pass_rate"
subject = { model = "x" }
suite = "swe"
op = ">="
value = 0.70

[[claim]]
id = "x-near-z"
text = "X is within 20 points of Z on long tasks"
kind = "within"
subject = { model = "x" }
reference = { model = "z" }
points = 20
min_minutes = 60

[[claim]]
id = "h-hour"
text = "H works for an hour"
kind = "horizon"
subject = { agent = "openai", model = "h" }
op = ">="
value = 5

[[claim]]
id = "x-cheap"
text = "X costs half of Z per solve"
kind = "cost_ratio"
subject = { model = "x" }
reference = { model = "z" }
ratio = 0.5
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "claims.toml"
    path.write_text(text)
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ClaimsFileError) as err:
        load_claims(path)
    message = str(err.value)
    assert "\n" not in message
    assert isinstance(err.value, HorizonError)
    return message.removeprefix(f"{path}: ")


class TestLoad:
    def test_good_file_checks_end_to_end(self, tmp_path: Path, results: pd.DataFrame) -> None:
        claims = load_claims(write(tmp_path, GOOD))
        assert [c.kind for c in claims.claims] == ["pass_rate", "within", "horizon", "cost_ratio"]
        assert isinstance(claims.claims[2], HorizonClaim) and claims.claims[2].quantile == 50
        verdicts = check_claims(claims, results, n_bootstrap=200)
        assert [v.verdict for v in verdicts] == ["supported", "supported", "supported", "supported"]
        assert [v.claim_id for v in verdicts] == ["x-70", "x-near-z", "h-hour", "x-cheap"]

    def test_bad_op(self, tmp_path: Path) -> None:
        text = GOOD.replace('op = ">="\nvalue = 5', 'op = ">"\nvalue = 5')
        assert load_error(tmp_path, text) == "claim[2].op: must be '>=' or '<=' (got '>')"

    def test_invalid_toml_gives_the_line(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, 'schema_version = 1\n\n[[claim]\nid = "x"\n')
        assert message.startswith("invalid TOML:") and "line 3" in message

    def test_unknown_kind(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace('kind = "within"', 'kind = "near"'))
        assert message == "claim[1].kind: must be one of 'pass_rate', 'within', 'horizon', 'cost_ratio' (got 'near')"

    def test_missing_field(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace("ratio = 0.5\n", ""))
        assert message == "claim[3].ratio: required field is missing"

    def test_unknown_field_suggests_or_lists_the_allowed_ones(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace("points = 20", "pints = 20"))
        assert message == "claim[1].pints: unknown field (did you mean 'points'?) (and 1 more problem)"
        message = load_error(tmp_path, GOOD.replace("points = 20", "points = 20\nsource = 'blog'"))
        assert message == (
            "claim[1].source: unknown field (allowed: created_after, created_before, endpoint_reference, id, interval, "
            "kind, max_minutes, min_endpoint_agreement, min_minutes, points, reference, subject, suite, text)"
        )

    def test_value_out_of_range(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace("value = 0.70", "value = 70"))
        assert message == "claim[0].value: must be less than or equal to 1 (got 70)"

    def test_subject_without_agent_or_model(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace('subject = { agent = "openai", model = "h" }', "subject = {}"))
        assert message.startswith("claim[2].subject: must name an agent or a model")

    def test_unknown_selector_field(self, tmp_path: Path) -> None:
        text = GOOD.replace('reference = { model = "z" }\npoints', 'reference = { team = "z" }\npoints')
        assert load_error(tmp_path, text) == "claim[1].reference.team: unknown field (allowed: agent, model)"
        text = GOOD.replace('reference = { model = "z" }\npoints', 'reference = { mdl = "z" }\npoints')
        assert load_error(tmp_path, text) == "claim[1].reference.mdl: unknown field (did you mean 'model'?)"

    def test_length_range(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace("min_minutes = 60", "min_minutes = 60\nmax_minutes = 30"))
        assert message.startswith("claim[1].max_minutes: must be greater than min_minutes (60.0)")

    def test_duplicate_ids(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace('id = "x-cheap"', 'id = "x-70"'))
        assert message == "claim[3].id: duplicate id 'x-70' (also claim[0])"

    def test_newer_schema_version(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace("schema_version = 1", "schema_version = 2"))
        assert message == "schema_version: 2 is newer than this horizonbench reads (1); upgrade horizonbench"

    def test_single_table_instead_of_array(self, tmp_path: Path) -> None:
        text = 'schema_version = 1\n[claim]\nid = "a"\n'
        assert load_error(tmp_path, text) == "claim: must be a list of [[claim]] tables"

    def test_no_claims(self, tmp_path: Path) -> None:
        assert (
            load_error(tmp_path, "schema_version = 1\nclaim = []\n") == "claim: at least one [[claim]] table is needed"
        )

    def test_several_problems_are_counted(self, tmp_path: Path) -> None:
        message = load_error(tmp_path, GOOD.replace("value = 0.70", "value = 70").replace("ratio = 0.5", "ratio = -1"))
        assert message.endswith("(and 1 more problem)")

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ClaimsFileError, match="cannot read the claims file"):
            load_claims(tmp_path / "absent.toml")
