"""Endpoint fingerprints against real HTTP endpoints (scripted servers) that differ in one behaviour."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from horizonbench.agents.scripted_endpoint import ScriptedServer, Turn
from horizonbench.errors import ConfigError
from horizonbench.workflows.fingerprint import PROBES, compare, load, probe_endpoint, save
from tests.helpers import hb


def _answers(unit: str, minutes: Any, capital: str) -> Callable[[dict[str, Any], str, int], Turn]:
    """An endpoint's behaviour: the weather unit it writes, how it types the event's length, and
    what its "model" knows."""

    def script(body: dict[str, Any], protocol: str, step: int) -> Turn:
        prompt = body["messages"][-1]["content"]
        if "weather in Paris" in prompt:
            return Turn(tool_calls=[("get_weather", {"city": c, "unit": unit}) for c in ("Paris", "Tokyo")])
        if "titled 'Review'" in prompt:
            when = {"date": "2026-03-04", "start": "15:00", "minutes": minutes}
            people = [{"name": "Ana", "email": "ana@example.com"}, {"name": "Bo", "email": "bo@example.com"}]
            return Turn(tool_calls=[("create_event", {"title": "Review", "when": when, "attendees": people})])
        if "write_file" in prompt:
            content = "\n".join(str(i * i) for i in range(1, 31))
            return Turn(tool_calls=[("write_file", {"path": "/tmp/squares.txt", "content": content})])
        if "capital of Australia" in prompt:
            return Turn(text=capital)
        if "7 times 8" in prompt:
            return Turn(text="56")
        return Turn(text=f"answer to: {prompt[:30]}")

    return script


VENDOR = _answers("C", 45, "Canberra")
ARGS_AS_STRINGS = _answers("C", "45", "Canberra")  # a provider whose tool parser types differently
OTHER_MODEL = _answers("celsius", 45, "Sydney")  # something else behind the same name


def _probe(script: Callable[[dict[str, Any], str, int], Turn]) -> Any:
    with ScriptedServer(script) as server:
        return probe_endpoint("same-name", server.openai_url, repeats=3)


def test_two_probes_of_the_same_endpoint_agree(tmp_path: Path) -> None:
    a, b = _probe(VENDOR), _probe(VENDOR)
    assert len(a.answers) == len(PROBES) * 3 and not any(x.error for x in a.answers)
    result = compare(a, b)
    assert result.agree and result.differing_cases == []
    assert result.measure("tool calls").rate == 1.0 and result.measure("text exact").rate == 1.0
    assert a.digest == b.digest
    assert load(save(a, tmp_path / "a.json")).digest == a.digest


@pytest.mark.parametrize(("other", "differs"), [(ARGS_AS_STRINGS, ["nested"]), (OTHER_MODEL, ["capital", "parallel"])])
def test_endpoints_that_differ_in_one_behaviour_are_told_apart(other: Any, differs: list[str]) -> None:
    result = compare(_probe(VENDOR), _probe(other))
    calls = result.measure("tool calls")
    assert not result.agree and result.differing_cases == differs
    assert calls.high < 1.0 or result.measure("text exact").high < 1.0  # the interval excludes full agreement
    if "nested" in differs:
        assert calls.rate == pytest.approx(3 / 4) and calls.high < 1.0 and calls.pairs == 12


def test_cli_probe_and_compare(tmp_path: Path) -> None:
    with ScriptedServer(VENDOR) as server:
        res = hb("endpoints", "probe", "--model", "m", "--base-url", server.openai_url, "--out", tmp_path / "a.json")
        assert res.returncode == 0, res.stderr
    with ScriptedServer(ARGS_AS_STRINGS) as server:
        res = hb("endpoints", "probe", "--model", "m", "--base-url", server.openai_url, "--out", tmp_path / "b.json")
    same = hb("endpoints", "compare", tmp_path / "a.json", tmp_path / "a.json", "--min-agreement", "0.7")
    assert same.returncode == 0 and "cases that differ: none" in same.stdout
    differ = hb("endpoints", "compare", tmp_path / "a.json", tmp_path / "b.json", "--min-agreement", "0.7")
    assert differ.returncode == 1 and "nested" in differ.stdout


def test_a_file_that_is_not_a_fingerprint_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": 3}')
    with pytest.raises(ConfigError, match="not a fingerprint file"):
        load(bad)
    res = hb("endpoints", "compare", bad, bad)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
