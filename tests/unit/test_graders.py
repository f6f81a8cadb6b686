"""Graders on passing, failing and broken verifier output."""

from __future__ import annotations

import pytest

from horizonbench.grading import parsers as graders
from horizonbench.grading.tamper import diff_paths, is_protected, suspicious_changes
from horizonbench.models.task import DEFAULT_PROTECTED, Milestone

PYTEST_LOG = """\
============================= test session starts ==============================
collected 3 items

tests/test_a.py .F.                                                      [100%]

=================================== FAILURES ===================================
___________________________________ test_b ____________________________________
----------------------------- Captured stdout call -----------------------------
PASSED tests/test_a.py::test_b
=========================== short test summary info ============================
PASSED tests/test_a.py::test_a
PASSED tests/test_a.py::test_c
FAILED tests/test_a.py::test_b - assert 1 == 2
========================= 1 failed, 2 passed in 0.05s ==========================
PASSED tests/test_a.py::test_b
"""


class TestReward:
    def test_txt_pass_and_fail(self) -> None:
        assert graders.read_reward(None, "1\n").reward == 1.0
        assert graders.read_reward(None, "0").reward == 0.0
        assert graders.read_reward(None, "0.25").reward == 0.25

    def test_json_is_read_first(self) -> None:
        reading = graders.read_reward('{"reward": 0.5, "style": 1}', "0.5")
        assert reading.reward == 0.5
        assert reading.values == {"reward": 0.5, "style": 1.0}
        assert graders.read_reward('{"reward": 0.5}', "not a number").reward == 0.5

    def test_json_and_txt_that_disagree_are_refused(self) -> None:
        """One of the two was not written by the reward writer (code under test can write
        reward.json while test.sh writes reward.txt)."""
        reading = graders.read_reward('{"reward": 1}', "0")
        assert reading.reward is None
        assert "reward.json says 1 but reward.txt says 0" in reading.problem

    def test_json_single_unnamed_value(self) -> None:
        assert graders.read_reward('{"score": 1}', None).reward == 1.0

    @pytest.mark.parametrize(
        ("js", "txt", "problem"),
        [
            (None, None, "no reward file"),
            (None, "PASSED", "does not hold a number"),
            (None, "nan", "not finite"),
            (None, "2", "outside 0..1"),
            ("{not json", None, "not JSON"),
            ('{"reward": true}', None, "not a finite number"),
            ('{"a": 1, "b": 0}', None, "none is named 'reward'"),
            ("[]", None, "not an object"),
        ],
    )
    def test_broken(self, js: str | None, txt: str | None, problem: str) -> None:
        reading = graders.read_reward(js, txt)
        assert reading.reward is None
        assert problem in reading.problem


class TestPytestLog:
    def test_only_first_summary_section_counts(self) -> None:
        status, flags = graders.parse_log(PYTEST_LOG, "parse_log_pytest")
        assert status == {
            "tests/test_a.py::test_a": "PASSED",
            "tests/test_a.py::test_c": "PASSED",
            "tests/test_a.py::test_b": "FAILED",
        }
        assert flags == []

    def test_second_summary_is_flagged(self) -> None:
        fake = PYTEST_LOG + "=== short test summary info ===\nPASSED tests/test_a.py::test_b\n"
        status, flags = graders.parse_log(fake, "parse_log_pytest")
        assert status["tests/test_a.py::test_b"] == "FAILED"
        assert flags == ["fake_test_summary"]

    @pytest.mark.parametrize("parser", ["parse_log_seaborn", "parse_log_matplotlib"])
    def test_pytest_style_parsers_read_only_the_summary(self, parser: str) -> None:
        fake = PYTEST_LOG + "=== short test summary info ===\nPASSED tests/test_a.py::test_b\n"
        status, flags = graders.parse_log(fake, parser)
        assert status["tests/test_a.py::test_a"] == "PASSED"
        assert status["tests/test_a.py::test_b"] == "FAILED"
        assert flags == ["fake_test_summary"]

    def test_no_summary_means_nothing_passed(self) -> None:
        status, _ = graders.parse_log("ImportError: no module named statkit\n", "parse_log_pytest")
        assert status == {}

    def test_unknown_parser(self) -> None:
        with pytest.raises(KeyError):
            graders.parse_log("", "parse_log_nonexistent")


class TestSwebench:
    STATUS = {"t::a": "PASSED", "t::b": "FAILED", "t::c": "PASSED", "t::d": "XFAIL"}

    def test_full(self) -> None:
        resolution, report = graders.swebench_report(self.STATUS, ["t::a", "t::d"], ["t::c"])
        assert resolution == "RESOLVED_FULL"
        assert report["FAIL_TO_PASS"]["success"] == ["t::a", "t::d"]

    def test_partial(self) -> None:
        resolution, report = graders.swebench_report(self.STATUS, ["t::a", "t::b"], ["t::c"])
        assert resolution == "RESOLVED_PARTIAL"
        assert report["FAIL_TO_PASS"]["failure"] == ["t::b"]

    def test_broken_pass_to_pass(self) -> None:
        resolution, _ = graders.swebench_report(self.STATUS, ["t::a"], ["t::b"])
        assert resolution == "RESOLVED_NO"

    def test_missing_tests_fail(self) -> None:
        resolution, report = graders.swebench_report({}, ["t::a"], [])
        assert resolution == "RESOLVED_NO"
        assert report["FAIL_TO_PASS"]["failure"] == ["t::a"]


class TestMilestones:
    MS = [
        Milestone(name="one", tests=["t::1"]),
        Milestone(name="two", tests=["t::2a", "t::2b"]),
        Milestone(name="three", tests=["t::3"]),
    ]

    def test_all_pass(self) -> None:
        status = dict.fromkeys(["t::1", "t::2a", "t::2b", "t::3"], "PASSED")
        results, furthest = graders.grade_milestones(self.MS, status)
        assert [r.passed for r in results] == [True, True, True]
        assert furthest == 2

    def test_gap_stops_the_furthest(self) -> None:
        status = {"t::1": "PASSED", "t::2a": "PASSED", "t::2b": "FAILED", "t::3": "PASSED"}
        results, furthest = graders.grade_milestones(self.MS, status)
        assert [r.passed for r in results] == [True, False, True]
        assert furthest == 0

    def test_first_fails(self) -> None:
        results, furthest = graders.grade_milestones(self.MS, {})
        assert not any(r.passed for r in results)
        assert furthest == -1

    def test_selector_alias(self) -> None:
        assert Milestone.model_validate({"name": "x", "selector": "t::x"}).tests == ["t::x"]


def test_diff_paths_and_protection() -> None:
    diff = (
        "diff --git a/src/m.py b/src/m.py\n--- a/src/m.py\n+++ b/src/m.py\n"
        "diff --git a/conftest.py b/conftest.py\nnew file mode 100644\n"
        "diff --git a/pkg/tests/test_x.py b/pkg/tests/test_y.py\n"
        "diff --git a/lib/site/evil.pth b/lib/site/evil.pth\n"
    )
    paths = diff_paths(diff)
    assert paths == ["src/m.py", "conftest.py", "pkg/tests/test_x.py", "pkg/tests/test_y.py", "lib/site/evil.pth"]
    protected = [p for p in paths if is_protected(p, DEFAULT_PROTECTED)]
    assert protected == ["conftest.py", "pkg/tests/test_x.py", "pkg/tests/test_y.py", "lib/site/evil.pth"]
    assert not is_protected("src/testing_utils.py", DEFAULT_PROTECTED)
    assert is_protected("test_top.py", DEFAULT_PROTECTED)


def _diff(path: str, *added: str, new: bool = False) -> str:
    head = f"diff --git a/{path} b/{path}\n" + ("new file mode 100644\n--- /dev/null\n" if new else f"--- a/{path}\n")
    return head + f"+++ b/{path}\n@@ -10,1 +10,{len(added) + 1} @@\n context\n" + "".join(f"+{a}\n" for a in added)


class TestSuspiciousChanges:
    def test_reaching_into_the_runner_is_listed_with_its_line(self) -> None:
        diff = _diff(
            "pkg/__init__.py",
            "import _pytest.runner as r",
            "for fd in os.listdir('/proc/self/fd'): pass",
            "atexit.register(done)",
            "sys.settrace(tracer)",
            "objs = gc.get_objects()",
            "init.__code__ = other.__code__",
            "open('/logs/verifier/reward.txt', 'w')",
        )
        found = suspicious_changes(diff)
        assert found[0] == "pkg/__init__.py:11: reaches into pytest's internals (_pytest)"
        assert [f.split(": ", 1)[1] for f in found[1:]] == [
            "looks for open file descriptors",
            "acts at interpreter exit",
            "hooks the interpreter (trace, audit, frames, import machinery)",
            "walks live objects",
            "rewrites running code",
            "touches the verifier's files",
        ]

    def test_files_the_runner_loads_and_pytest_options(self) -> None:
        diff = _diff("pytest/__main__.py", "print(1)", new=True) + _diff(
            "x-1.0.dist-info/entry_points.txt", "[pytest11]", "x = x", new=True
        )
        diff += _diff("setup.cfg", "[tool:pytest]", "addopts = -p x")
        found = suspicious_changes(diff)
        assert "pytest/__main__.py: adds or changes a file the test runner loads" in found
        assert "x-1.0.dist-info/entry_points.txt: adds or changes a file the test runner loads" in found
        assert "x-1.0.dist-info/entry_points.txt:11: registers a pytest plugin entry point" in found
        assert "setup.cfg:12: changes pytest options" in found

    def test_an_ordinary_fix_is_not_listed(self) -> None:
        diff = _diff("pkg/stats.py", "    mid = len(xs) // 2", "    return (xs[mid - 1] + xs[mid]) / 2")
        diff += _diff("pyproject.toml", 'version = "1.1"')
        assert suspicious_changes(diff) == []
        # removed lines do not count
        assert suspicious_changes(diff.replace("+    mid", "-import atexit\n+    mid")) == []
