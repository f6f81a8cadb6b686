"""The pytest guard in a real pytest run (this interpreter's pytest, in a subprocess), and
the harness's checks of its records: signatures, the log and exit code set against them."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from horizonbench.grading.guard import GUARD_SOURCE, GuardSetup
from horizonbench.grading.parsers import parse_status_lines
from horizonbench.grading.records import GuardReport, check_records, cross_check_log, cross_check_reward

TESTS = """
import unittest, pytest
import mypkg

def test_ok(): pass
def test_bad(): assert mypkg.answer() == 2
@pytest.mark.xfail
def test_xf(): assert 0
@pytest.mark.xfail(strict=True)
def test_xpass_strict(): pass
@pytest.mark.skip
def test_skipped(): pass
@pytest.fixture
def broken(): raise RuntimeError
def test_setup_error(broken): pass
class T(unittest.TestCase):
    def test_u_ok(self): pass
    def test_u_bad(self): self.assertEqual(1, 2)
    @unittest.expectedFailure
    def test_u_xf(self): self.assertEqual(1, 2)
"""
EXPECTED = {
    "test_k.py::test_ok": "passed",
    "test_k.py::test_bad": "failed",
    "test_k.py::test_xf": "xfailed",
    "test_k.py::test_xpass_strict": "failed",
    "test_k.py::test_skipped": "skipped",
    "test_k.py::test_setup_error": "error",
    "test_k.py::T::test_u_ok": "passed",
    "test_k.py::T::test_u_bad": "failed",
    "test_k.py::T::test_u_xf": "xfailed",
}
PATCH_REPORTS = """
import _pytest.reports as _r
_orig = _r.TestReport.from_item_and_call.__func__
def _passed(cls, item, call):
    rep = _orig(cls, item, call)
    rep.outcome, rep.longrepr = 'passed', None
    return rep
_r.TestReport.from_item_and_call = classmethod(_passed)
"""


def run_guarded(
    tmp_path: Path, package: str = "", site: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], list[str], list[str]]:
    """pytest on TESTS under the guard; returns the run, the raw records and the keys."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "hbguard_t.py").write_bytes(GUARD_SOURCE.read_bytes())
    setup = GuardSetup(str(guard), "hbguard_t", [secrets.token_hex(32)], "n0", base_plugins=False)
    keys = setup.keys
    verifier = tmp_path / "verifier"
    verifier.mkdir()
    (guard / "guard.cfg").write_text(setup.config_text(str(verifier)))
    work = tmp_path / "work"
    (work / "mypkg").mkdir(parents=True)
    (work / "mypkg" / "__init__.py").write_text(f"def answer():\n    return 1\n{package}")
    (work / "test_k.py").write_text(TESTS)
    path = os.pathsep.join(str(p) for p in (guard, work, site) if p is not None)
    env = {**os.environ, "PYTHONPATH": path, "PYTEST_ADDOPTS": "-p hbguard_t"}
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "test_k.py"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = [p.read_text() for p in sorted((guard / "records").glob("*.rec"))]
    assert not (guard / "guard.cfg").exists()  # the key is gone before any test ran
    return run, records, keys


def test_the_guard_takes_its_own_account(tmp_path: Path) -> None:
    run, records, keys = run_guarded(tmp_path)
    report = check_records(records, keys, "n0")
    assert report.runs == 1 and not report.forged
    assert report.problems == [], report.problems
    assert report.outcomes == EXPECTED
    assert report.exit_statuses == [run.returncode] == [1]


def test_a_package_rewriting_reports_is_seen(tmp_path: Path) -> None:
    run, records, keys = run_guarded(tmp_path, PATCH_REPORTS)
    assert "PASSED test_k.py::test_bad" in run.stdout  # the log lies
    report = check_records(records, keys, "n0")
    assert any("TestReport.from_item_and_call" in p for p in report.problems), report.problems
    assert report.outcomes["test_k.py::test_bad"] == "failed"  # the guard does not


HOOK = """
import sys
class Finder:
    def find_spec(self, name, path=None, target=None):
        return None
sys.meta_path.append(Finder())
"""


def test_an_import_hook_from_the_tree_is_tampering_one_from_an_installed_package_is_not(tmp_path: Path) -> None:
    """six adds a finder to sys.meta_path when first imported, mid-session: an installed
    package may; the code under test may not."""
    (tmp_path / "tree").mkdir()
    (tmp_path / "site").mkdir()
    _, records, keys = run_guarded(tmp_path / "tree", HOOK)
    assert any("sys.meta_path" in p for p in check_records(records, keys, "n0").problems)
    site = tmp_path / "installed" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "hookpkg.py").write_text(HOOK)
    _, records, keys = run_guarded(tmp_path / "site", "import hookpkg\n", site=site)
    assert check_records(records, keys, "n0").problems == []


def test_records_are_checked(tmp_path: Path) -> None:
    _, records, keys = run_guarded(tmp_path)
    forged = records[0].replace("test failed ", "test passed ").replace("test error ", "test passed ")
    assert forged != records[0]
    assert check_records([forged], keys, "n0").forged == ["record 0: bad signature"]
    assert check_records(records, keys, "another grading").forged  # the nonce is this grading's
    twice = check_records(records * 2, keys, "n0")
    assert twice.runs == 1 and twice.forged == ["record 1: key 0 unknown or used twice"]


def test_only_the_first_key_can_pass_a_test() -> None:
    """Later keys wait in the guard's file while the tests run: code under test can read
    them. A record under one can fail a test, never pass one or stand in for the first."""
    keys = [secrets.token_hex(32) for _ in range(2)]

    def record(index: int, tests: dict[str, str]) -> str:
        body = f"key {index}\nnonce n0\npid 1\nexitstatus 0\n" + "".join(f"test {o} {t}\n" for t, o in tests.items())
        mac = hashlib.blake2b(body.encode(), key=bytes.fromhex(keys[index]), digest_size=32).hexdigest()
        return f"mac {mac}\n{body}"

    outer = record(0, {"t.py::a": "failed", "t.py::b": "passed"})
    forged = record(1, {"t.py::a": "passed", "t.py::b": "failed", "t.py::c": "passed"})
    merged = check_records([outer, forged], keys, "n0")
    assert merged.first_run and merged.outcomes == {"t.py::a": "failed", "t.py::b": "failed"}
    alone = check_records([forged], keys, "n0")
    assert not alone.first_run
    assert cross_check_log({"t.py::a": "PASSED"}, alone, 0, False, parse).flags == ["guard_missing"]
    assert check_records(["{}", "mac 00\nno key line"], keys, "n0").forged == [
        "record 0: not a guard record",
        "record 1: not a guard record",
    ]


def parse(text: str) -> dict[str, str]:
    return parse_status_lines(text, "parse_log_pytest")


def report_of(outcomes: dict[str, str], exit_status: int = 1, **kw: list[str]) -> GuardReport:
    return GuardReport(runs=1, outcomes=outcomes, exit_statuses=[exit_status], first_run=True, **kw)


class TestCrossCheck:
    log = {"t.py::a": "PASSED", "t.py::b": "PASSED"}

    def test_agreement_keeps_the_log(self) -> None:
        checked = cross_check_log(self.log, report_of({"t.py::a": "passed", "t.py::b": "passed"}, 0), 0, False, parse)
        assert checked.status == self.log and checked.flags == []

    def test_a_pass_the_guard_did_not_see_is_a_failure(self) -> None:
        checked = cross_check_log(self.log, report_of({"t.py::a": "passed", "t.py::b": "failed"}), 1, False, parse)
        assert checked.status == {"t.py::a": "PASSED", "t.py::b": "FAILED"}
        assert checked.flags == ["verdict_mismatch"]

    def test_a_test_missing_from_the_guard_is_not_passed(self) -> None:
        checked = cross_check_log(self.log, report_of({"t.py::a": "passed"}, 0), 0, False, parse)
        assert checked.status["t.py::b"] == "FAILED"

    @pytest.mark.parametrize(
        ("report", "exit_code", "fake", "flag"),
        [
            (report_of({"t.py::a": "passed", "t.py::b": "passed"}, 0), 0, True, None),
            (report_of({"t.py::a": "passed", "t.py::b": "passed"}, 1), 0, False, "verdict_mismatch"),
            (report_of({"t.py::a": "passed", "t.py::b": "failed"}, 0), 0, False, "verdict_mismatch"),
            (report_of({}, 0, problems=["_pytest.runner.call_and_report"]), 0, False, "runner_tampered"),
            (report_of({}, 0, forged=["record 0: bad signature"]), 0, False, "verdict_mismatch"),
            (GuardReport(), 0, False, "guard_missing"),
        ],
    )
    def test_nothing_passes(self, report: GuardReport, exit_code: int, fake: bool, flag: str | None) -> None:
        checked = cross_check_log(self.log, report, exit_code, fake, parse)
        assert checked.status == {}
        assert checked.detail
        if flag:
            assert flag in checked.flags

    def test_reward(self) -> None:
        assert cross_check_reward(1.0, GuardReport()).flags == []  # no pytest ran: nothing to say
        assert cross_check_reward(1.0, report_of({"t.py::a": "failed"})).flags == ["verdict_mismatch"]
        assert cross_check_reward(0.0, report_of({"t.py::a": "failed"})).detail == ""
        written = cross_check_reward(0.0, report_of({}, rewards_changed=["reward.json"]))
        assert written.flags == ["reward_written_in_tests"] and written.detail == ""


def test_the_installed_guard_knows_its_directory_and_parses_as_python_36() -> None:
    import ast

    from horizonbench.grading.guard import GuardSetup

    setup = GuardSetup.new(keys=1, base_plugins=False)
    source = setup.impl_source()
    assert f"GUARD_DIR = {setup.directory!r}" in source
    assert "from __future__" not in source and "->" not in source
    ast.parse(source, feature_version=(3, 6))
