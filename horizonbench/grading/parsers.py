"""Turning verifier output into a verdict: pure functions, no sandbox.

- ``reward``: Harbor's reward.json (first) or reward.txt.
- ``swebench``: FAIL_TO_PASS / PASS_TO_PASS through the swebench package's log parsers
  and grading functions, so "resolved" means what it means on SWE-bench.
- ``milestones``: each milestone passes when all its tests pass.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from horizonbench.models import MilestoneResult
from horizonbench.models.task import Milestone, is_pytest_style

_SUMMARY_HEADER = re.compile(r"^=+ short test summary info =+$")
_SUMMARY_END = re.compile(r"^=+ .*\b(passed|failed|error|errors|skipped|deselected|no tests ran)\b.* =+$")


@dataclass
class RewardReading:
    reward: float | None
    problem: str = ""
    values: dict[str, float] = field(default_factory=dict)


def read_reward(reward_json: str | None, reward_txt: str | None) -> RewardReading:
    """Read Harbor's reward files; reward.json wins when both exist.

    reward.json is an object of named numbers (``reward`` is the one used, else the
    only one); reward.txt holds a number. Anything else is a problem, reported.
    """
    if reward_json is not None:
        try:
            data = json.loads(reward_json)
        except json.JSONDecodeError as exc:
            return RewardReading(None, f"reward.json is not JSON ({exc.msg})")
        if isinstance(data, int | float) and not isinstance(data, bool):
            data = {"reward": data}
        if not isinstance(data, dict) or not data:
            return RewardReading(None, "reward.json is not an object of numbers")
        values: dict[str, float] = {}
        for k, v in data.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                return RewardReading(None, f"reward.json: {k!r} is not a finite number")
            values[str(k)] = float(v)
        if "reward" in values:
            chosen = values["reward"]
        elif len(values) == 1:
            chosen = next(iter(values.values()))
        else:
            return RewardReading(None, "reward.json has several values and none is named 'reward'", values)
        other = _number(reward_txt)
        if other is not None and other != chosen:
            # One of them was not written by the reward writer.
            return RewardReading(None, f"reward.json says {chosen:g} but reward.txt says {other:g}", values)
        return _bounded(chosen, values)
    if reward_txt is not None:
        try:
            value = float(reward_txt.strip())
        except ValueError:
            return RewardReading(None, f"reward.txt does not hold a number: {reward_txt.strip()[:40]!r}")
        if not math.isfinite(value):
            return RewardReading(None, "reward.txt is not finite")
        return _bounded(value, {"reward": value})
    return RewardReading(None, "the tests wrote no reward file (reward.txt or reward.json)")


def _number(text: str | None) -> float | None:
    try:
        return float(text.strip()) if text is not None else None
    except ValueError:
        return None


def _bounded(value: float, values: dict[str, float]) -> RewardReading:
    if not 0.0 <= value <= 1.0:
        return RewardReading(None, f"reward {value} is outside 0..1", values)
    return RewardReading(value, "", values)


def pytest_summary(log: str) -> tuple[str, int]:
    """The first ``short test summary info`` section of a pytest ``-rA`` log, and how many
    such sections the log has.

    Only that section is parsed: lines a program under test prints (a fake ``PASSED``
    line) land in captured-output sections or after the summary, never in it. More than
    one summary section means something printed a fake one.
    """
    lines = log.splitlines()
    sections = 0
    start = -1
    for i, line in enumerate(lines):
        if _SUMMARY_HEADER.match(line.strip()):
            sections += 1
            if start < 0:
                start = i + 1
    if start < 0:
        return "", 0
    body = []
    for line in lines[start:]:
        if _SUMMARY_END.match(line.strip()):
            break
        body.append(line)
    return "\n".join(body), sections


def parse_log(log: str, parser: str, test_spec: Any = None) -> tuple[dict[str, str], list[str]]:
    """Test id -> status (PASSED, FAILED, ERROR, SKIPPED, XFAIL) with swebench's parser
    (given the instance's ``swebench.types.TestSpec`` where there is one: some parsers read it).

    Returns the status map and flags (``fake_test_summary`` when a pytest log carries
    more than one summary section).

    Raises:
        KeyError: no such parser in swebench's registry.
    """
    from swebench.harness.log_parsers import PARSER_REGISTRY  # heavy: imported when grading

    fn = PARSER_REGISTRY[parser]
    flags: list[str] = []
    text = log
    if is_pytest_style(parser):
        text, sections = pytest_summary(log)
        if sections > 1:
            flags.append("fake_test_summary")
    return dict(fn(text, test_spec)), flags


def parse_status_lines(text: str, parser: str) -> dict[str, str]:
    """``STATUS test-id`` lines through swebench's parser, as they are (no summary section
    is looked for): the guard's outcomes, keyed the way the log's are."""
    from swebench.harness.log_parsers import PARSER_REGISTRY

    return dict(PARSER_REGISTRY[parser](text, None))


def swebench_report(
    status: dict[str, str], fail_to_pass: list[str], pass_to_pass: list[str], eval_type: str = "pass_and_fail"
) -> tuple[str, Any]:
    """swebench's resolution status and per-list report for a status map (``eval_type`` as
    swebench's ``EvalType``: ``pass_and_fail`` or ``fail_only``)."""
    from swebench.harness.constants import EvalType
    from swebench.harness.grading import get_eval_tests_report, get_resolution_status

    report = get_eval_tests_report(
        status, {"FAIL_TO_PASS": fail_to_pass, "PASS_TO_PASS": pass_to_pass}, eval_type=EvalType(eval_type)
    )
    return str(get_resolution_status(report)), report


def test_passed(status: dict[str, str], test: str) -> bool:
    return status.get(test) in ("PASSED", "XFAIL")


def grade_milestones(milestones: list[Milestone], status: dict[str, str]) -> tuple[list[MilestoneResult], int]:
    """Each milestone's outcome and the index of the furthest one reached (the end of the
    unbroken run of passing milestones from the first; -1 when the first fails)."""
    results = [MilestoneResult(name=m.name, passed=all(test_passed(status, t) for t in m.tests)) for m in milestones]
    furthest = -1
    for i, r in enumerate(results):
        if not r.passed:
            break
        furthest = i
    return results, furthest
