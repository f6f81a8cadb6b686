"""The guard's signed records, checked, and set against the test log and the exit code:
pure functions, no sandbox.

A pytest-graded verdict passes a test only when the log's summary and the guard agree on
it; a forged, missing or tampered record, two summary sections, or an exit code that is
not the one pytest ended with, passes nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PASSING = ("passed", "xfailed")
# The guard's outcomes as the summary lines of ``pytest -rA`` name them.
_LOG_STATUS = {
    "passed": "PASSED",
    "failed": "FAILED",
    "error": "ERROR",
    "skipped": "SKIPPED",
    "xfailed": "XFAIL",
    "xpassed": "XPASS",
}


@dataclass
class GuardReport:
    """What the signed records say, merged over every pytest run of one grading."""

    runs: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    forged: list[str] = field(default_factory=list)
    exit_statuses: list[int] = field(default_factory=list)
    rewards_changed: list[str] = field(default_factory=list)
    first_run: bool = False
    """Whether the record of the first key (the outer pytest run's) is among them."""

    def failures(self) -> list[str]:
        return [t for t, o in self.outcomes.items() if o in ("failed", "error")]

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "problems": self.problems,
            "forged": self.forged,
            "exit_statuses": self.exit_statuses,
            "rewards_changed": self.rewards_changed,
            "first_run": self.first_run,
            "outcomes": self.outcomes,
        }


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), text)


def _parse_record(text: str) -> tuple[str, str, dict[str, Any]]:
    """``mac <hex>`` then the signed body: ``key``, ``nonce``, ``pid``, ``exitstatus``
    lines, ``problem <text>``, ``reward <file>`` and ``test <outcome> <node id>`` lines.

    Raises:
        ValueError: not a record of that shape.
    """
    head, sep, body = text.partition("\n")
    if not sep or not head.startswith("mac "):
        raise ValueError("no signature line")
    fields: dict[str, Any] = {"problems": [], "rewards": [], "tests": {}}
    for line in body.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "problem":
            fields["problems"].append(_unescape(rest))
        elif kind == "reward":
            fields["rewards"].append(rest)
        elif kind == "test":
            outcome, _, test = rest.partition(" ")
            fields["tests"][_unescape(test)] = outcome
        elif kind in ("key", "nonce", "pid", "exitstatus"):
            fields[kind] = rest
    int(fields["key"])  # KeyError or ValueError when missing
    return head[4:], body, fields


def check_records(raw: list[str], keys: list[str], nonce: str) -> GuardReport:
    """Verify each record's signature (keyed BLAKE2b), key and nonce, and merge the valid
    ones. A key signs one record: a second one under it is forged. A test passes only as
    the first key's record has it, and only if no other record failed it."""
    report = GuardReport()
    used: set[int] = set()
    signed: list[tuple[int, dict[str, Any]]] = []
    for i, text in enumerate(raw):
        try:
            mac, body, fields = _parse_record(text)
        except (ValueError, KeyError):
            report.forged.append(f"record {i}: not a guard record")
            continue
        index = int(fields["key"])
        if not 0 <= index < len(keys) or index in used:
            report.forged.append(f"record {i}: key {index} unknown or used twice")
            continue
        expected = hashlib.blake2b(body.encode(), key=bytes.fromhex(keys[index]), digest_size=32).hexdigest()
        if not secrets.compare_digest(expected, mac) or fields.get("nonce") != nonce:
            report.forged.append(f"record {i}: bad signature")
            continue
        used.add(index)
        signed.append((index, fields))
    # The first key is taken by the first pytest process, at its start, before any code
    # of the change runs; later keys lie in the guard's file while the tests run, where
    # that code could read them. So only the first key's record can pass a test: the
    # others (pytest runs the tests start, or forgeries) can only fail one.
    for index, fields in sorted(signed, key=lambda pair: pair[0]):
        report.runs += 1
        report.problems.extend(fields["problems"])
        report.rewards_changed.extend(fields["rewards"])
        status = str(fields.get("exitstatus", ""))
        if status.lstrip("-").isdigit():
            report.exit_statuses.append(int(status))
        for test, outcome in fields["tests"].items():
            if index == 0 or (test in report.outcomes and outcome not in PASSING):
                report.outcomes[test] = outcome
    report.first_run = any(index == 0 for index, _ in signed)
    return report


@dataclass
class CrossCheck:
    """The status map that may be believed, the flags raised and why, in a line."""

    status: dict[str, str]
    flags: list[str] = field(default_factory=list)
    detail: str = ""


def _guard_problem(report: GuardReport) -> tuple[list[str], str]:
    if report.forged:
        return ["verdict_mismatch"], f"forged guard record: {report.forged[0]}"
    if report.problems:
        return ["runner_tampered"], f"the test runner was tampered with: {'; '.join(report.problems[:3])}"
    return [], ""


def cross_check_log(
    status: dict[str, str],
    report: GuardReport,
    exit_code: int,
    fake_summary: bool,
    parse: Callable[[str], dict[str, str]],
) -> CrossCheck:
    """Set the log's statuses against the guard's. ``parse`` is the log parser the task
    uses, so that the guard's test ids are cut the way the log's are."""
    flags, detail = _guard_problem(report)
    if fake_summary:
        return CrossCheck({}, flags, detail or "the test log has more than one summary section")
    if flags:
        return CrossCheck({}, flags, detail)
    if not report.first_run:
        return CrossCheck({}, ["guard_missing"], "pytest left no guard record (it did not run, or did not end)")
    if report.exit_statuses and report.exit_statuses[0] != exit_code:
        why = f"pytest ended with {report.exit_statuses[0]}, the test command with {exit_code}"
        return CrossCheck({}, ["verdict_mismatch"], why)
    if report.failures() and report.exit_statuses[:1] == [0]:
        return CrossCheck({}, ["verdict_mismatch"], "pytest's exit status 0 hides failed tests")
    seen = parse("\n".join(f"{_LOG_STATUS.get(o, 'ERROR')} {t}" for t, o in report.outcomes.items()))
    believed = dict(status)
    disagree = [t for t, s in status.items() if s in ("PASSED", "XFAIL") and seen.get(t) != s]
    for t in disagree:
        believed[t] = "FAILED"
    if disagree:
        shown = ", ".join(disagree[:3]) + (f" and {len(disagree) - 3} more" if len(disagree) > 3 else "")
        return CrossCheck(believed, ["verdict_mismatch"], f"the log says passed, the guard does not: {shown}")
    return CrossCheck(believed)


def cross_check_reward(reward: float, report: GuardReport) -> CrossCheck:
    """A reward file's verdict against the records of the pytest runs that produced it
    (there may be none: a reward task need not use pytest)."""
    flags, detail = _guard_problem(report)
    if not flags and reward >= 1.0 and report.failures():
        flags, detail = ["verdict_mismatch"], f"full reward, but the guard saw {report.failures()[0]} fail"
    if report.rewards_changed:
        flags.append("reward_written_in_tests")
    return CrossCheck({}, flags, detail)
