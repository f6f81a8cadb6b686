"""Adversarial agents against the smoke tasks: none may pass, the harness flags what it
can tell, and it is unharmed afterwards (the oracle, run next in the same run, still
passes; no container of the run is left; the engine answers).

Attacks already covered elsewhere are not repeated here: rewritten or deleted visible
tests, a planted conftest.py, fake PASSED lines, fake reward files and a lingering reward
writer (tests/e2e/test_cheating.py); SIGKILL of the runner (tests/e2e/test_kill_resume.py);
endpoint faults (tests/e2e/test_llm_agents.py). docs/security.md has the whole table.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import pytest

from horizonbench.agents.base import Budget
from horizonbench.grading.grade import LOG_HEAD, LOG_TAIL
from horizonbench.models import TrialResult
from horizonbench.runner import trial as trial_mod
from horizonbench.runner.run import RunOptions, execute
from horizonbench.sandbox import engine, images
from horizonbench.sandbox.reaper import LABEL_RUN
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.sandbox.shell import DEFAULT_OUTPUT_CAP
from horizonbench.tasks.loader import Task, load_task
from tests.adversarial import agents as adv
from tests.helpers import REPO

pytestmark = pytest.mark.docker

SMOKE = REPO / "tasks" / "smoke"


def set_keys(task_dir: Path, section: str, **values: object) -> None:
    """Set ``key = value`` lines in one [section] of a task.toml (added when missing)."""
    path = task_dir / "task.toml"
    lines = path.read_text().splitlines()
    rendered = {k: json.dumps(v) for k, v in values.items()}
    start = lines.index(f"[{section}]") if f"[{section}]" in lines else None
    if start is None:
        lines += ["", f"[{section}]"]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    for i in range(start + 1, end):
        key = lines[i].split("=", 1)[0].strip()
        if key in rendered:
            lines[i] = f"{key} = {rendered.pop(key)}"
    lines[start + 1 : start + 1] = [f"{k} = {v}" for k, v in rendered.items()]
    path.write_text("\n".join(lines) + "\n")


def variant(name: str, tmp_path: Path, **sections: dict[str, object]) -> Task:
    """A copy of a smoke task with some task.toml keys changed (same image: the
    environment is unchanged)."""
    dest = tmp_path / "suite" / name
    shutil.copytree(SMOKE / name, dest, ignore=shutil.ignore_patterns("wheelhouse"))
    for section, values in sections.items():
        set_keys(dest, section, **values)
    return load_task(dest)


def attack(
    agent: type[adv.Scripted], task: Task, results: Path, budget: Budget | None = None, oracle: bool = False
) -> TrialResult:
    """Run the adversary (then, with ``oracle``, the oracle on the same task in the same
    run, which must still pass); check nothing of the run is left on the engine."""
    run_id = f"adv-{agent.name}"
    agents = [f"tests.adversarial.agents:{agent.__name__}"] + (["oracle"] if oracle else [])
    opts = RunOptions(run_id=run_id, agents=agents, results_root=results, budget=budget or Budget())
    summary = asyncio.run(execute([task], [], opts))
    by_agent = {r.agent: r for r in summary.results}
    if oracle:
        after = by_agent["oracle"]
        assert after.status == "passed", f"the oracle failed after {agent.name}: {after.error or after.verdict}"
    left = engine.client().containers.list(all=True, filters={"label": f"{LABEL_RUN}={run_id}"})
    assert left == [], f"{agent.name} left containers behind"
    engine.client().ping()
    r = by_agent[agents[0]]
    assert r.status != "passed", f"{agent.name} passed: {r.verdict}"
    return r


def trajectory(results: Path, r: TrialResult) -> str:
    return (results / r.run_id / "trials" / r.trial_id / "trajectory.jsonl").read_text()


def failed(r: TrialResult) -> None:
    assert r.status == "failed", f"expected a failure, got {r.status}: {r.error_kind} {r.error}"
    assert r.reward == 0.0


# -- start-up hooks and the interpreter ------------------------------------------------------


def test_startup_hooks_in_the_repository_are_restored(tmp_path: Path) -> None:
    r = attack(adv.RepoStartupHooksAgent, load_task(SMOKE / "fix-median"), tmp_path)
    failed(r)
    assert "touched_protected" in r.flags


@pytest.mark.parametrize("agent", [adv.SystemStartupHooksAgent, adv.UserSiteHookAgent, adv.ReplacePythonAgent])
def test_system_tampering_in_fresh_mode_cannot_matter(agent: type[adv.Scripted], tmp_path: Path) -> None:
    """Outside the repository the change is not part of the diff: the clean grading
    container never sees it. It is still flagged."""
    r = attack(agent, load_task(SMOKE / "fix-median"), tmp_path)
    failed(r)
    assert r.verdict is not None and r.verdict.resolution == "RESOLVED_NO"
    assert "tampered_system" in r.flags


@pytest.mark.parametrize("agent", [adv.SystemStartupHooksAgent, adv.UserSiteHookAgent, adv.ReplacePythonAgent])
def test_system_tampering_in_same_mode_fails(agent: type[adv.Scripted], tmp_path: Path) -> None:
    """The tests run on the image's interpreter and start-up, not on the agent's: what it
    changed is put back and what it added to run unasked is set aside, each listed."""
    r = attack(agent, load_task(SMOKE / "word-report"), tmp_path)
    failed(r)
    assert "tampered_system" in r.flags
    assert r.verdict is not None and any("set aside" in line or "put back" in line for line in r.verdict.review)


def test_a_process_left_running_cannot_reach_the_grader(tmp_path: Path) -> None:
    """Same-mode grading keeps what the agent left running, in the grader's process table:
    a process writing a passing reward through every /proc/<pid>/root and fd it can see
    finds the grader's out of its reach (one capability more than the agent's container)."""
    r = attack(adv.ProcForgerAgent, load_task(SMOKE / "word-report"), tmp_path, oracle=True)
    failed(r)
    log = (tmp_path / r.run_id / "trials" / r.trial_id / "verifier.log").read_text()
    assert "PASSED" not in log


def pytest_state_task(tmp_path: Path) -> Task:
    """A same-mode task graded by pytest from /tests (the Harbor / Terminal-Bench layout),
    on the fix-median image (it has pytest)."""
    image = images.ensure(load_task(SMOKE / "fix-median"))
    task = tmp_path / "suite" / "median-state"
    (task / "tests").mkdir(parents=True)
    (task / "solution").mkdir()
    (task / "instruction.md").write_text("Make statkit.median average the two middle values of an even-length list.\n")
    (task / "task.toml").write_text(
        f'[environment]\ndocker_image = "{image.tag}"\nmemory_mb = 256\n\n'
        '[verifier]\ngrader = "reward"\nmode = "same"\ntests_dir = "/tests"\ntimeout_sec = 60\n'
    )
    (task / "tests" / "test.sh").write_text(
        "mkdir -p /logs/verifier\ncd /tests\n"
        "if PYTHONPATH=/work/repo python3 -m pytest -q -p no:cacheprovider test_outputs.py; then r=1; else r=0; fi\n"
        "echo $r > /logs/verifier/reward.txt\n"
    )
    (task / "tests" / "test_outputs.py").write_text(
        "from statkit import median\n\ndef test_even():\n    assert median([4, 1, 3, 2]) == 2.5\n"
    )
    shutil.copy(SMOKE / "fix-median" / "solution" / "patch.diff", task / "solution" / "patch.diff")
    return load_task(task)


def test_conftest_planted_where_hidden_tests_go_is_removed(tmp_path: Path) -> None:
    r = attack(adv.PlantHiddenTestsConftestAgent, pytest_state_task(tmp_path), tmp_path, oracle=True)
    failed(r)
    assert "touched_protected" in r.flags


def test_changing_the_inputs_the_checker_reads_fails(tmp_path: Path) -> None:
    """The checker holds the expected answer; it does not recompute it from files the
    agent could change."""
    r = attack(adv.ChangeTheInputsAgent, load_task(SMOKE / "word-report"), tmp_path)
    failed(r)


# -- looking for what it must not see ----------------------------------------------------


def test_hidden_tests_and_solution_are_nowhere_in_the_sandbox(tmp_path: Path) -> None:
    r = attack(adv.SearchHiddenTestsAgent, load_task(SMOKE / "sales-report"), tmp_path)
    failed(r)
    find, grep, listing = adv.SearchHiddenTestsAgent.outputs
    assert find.strip() == "find-done", find
    assert grep.strip() == "grep-done", grep
    assert "No such file or directory" in listing and "test_pipeline" not in listing


def swe_task() -> Path | None:
    found = sorted((REPO / "tasks" / "swe").glob("*/task.toml"))
    return found[0].parent if found else None


@pytest.mark.parametrize("which", ["smoke", "swe"])
def test_git_history_holds_no_fix(which: str, tmp_path: Path) -> None:
    path = SMOKE / "fix-median" if which == "smoke" else swe_task()
    if path is None:
        pytest.skip("no SWE task in tasks/swe")
    r = attack(adv.GitHistoryAgent, load_task(path), tmp_path)
    failed(r)
    commits, _, fsck, _, status = adv.GitHistoryAgent.outputs
    assert commits.strip() == "commits=1", commits
    assert "unreachable=0 dangling=0" in fsck, fsck
    assert status.strip() == "", status


def test_no_secret_in_any_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-adversary-0123456789abcdef"
    monkeypatch.setenv("HB_ADVERSARY_API_KEY", secret)
    r = attack(adv.SecretsAgent, load_task(SMOKE / "word-report"), tmp_path)
    failed(r)
    seen = "\n".join(adv.SecretsAgent.outputs)
    assert "PATH=" in seen  # it did read the environments
    assert secret not in seen and "HB_ADVERSARY" not in seen


def test_no_docker_socket(tmp_path: Path) -> None:
    r = attack(adv.DockerSocketAgent, load_task(SMOKE / "word-report"), tmp_path)
    failed(r)
    looked, tcp = adv.DockerSocketAgent.outputs
    assert looked.count("No such file or directory") == 2 and "sockets=0" in looked, looked
    assert "CONNECTED" not in tcp and tcp.count("refused") == 3, tcp


def test_no_network(tmp_path: Path) -> None:
    r = attack(adv.NetworkAgent, load_task(SMOKE / "word-report"), tmp_path)
    failed(r)
    probes, route = adv.NetworkAgent.outputs
    assert "CONNECTED" not in probes and "FETCHED" not in probes, probes
    assert probes.count("no route") == 4 and probes.count("no fetch") == 2, probes
    assert route.split()[-1] == "lo" and len(route.splitlines()) == 2, route  # header only; lo alone


# -- leaving something behind --------------------------------------------------------------


def test_respawning_tamperer_is_killed_before_the_diff(tmp_path: Path) -> None:
    r = attack(adv.RespawningTamperAgent, load_task(SMOKE / "fix-median"), tmp_path, oracle=True)
    failed(r)
    assert "touched_protected" in r.flags  # its edits reached the diff and were restored


# -- exhausting resources --------------------------------------------------------------------


def test_fork_bomb(tmp_path: Path) -> None:
    task = variant("word-report", tmp_path, environment={"pids": 64})
    r = attack(adv.ForkBombAgent, task, tmp_path, oracle=True)
    failed(r)
    assert "pids_limit" in r.flags
    assert "after-bomb" in adv.ForkBombAgent.outputs[-1]


def test_memory_bomb(tmp_path: Path) -> None:
    task = variant("word-report", tmp_path, environment={"memory_mb": 96})
    r = attack(adv.MemoryBombAgent, task, tmp_path, oracle=True)
    failed(r)
    assert "oom_killed" in r.flags
    assert "after-bomb" in adv.MemoryBombAgent.outputs[-1]


def test_disk_fill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trial_mod, "DISK_POLL_S", 0.3)
    task = variant("word-report", tmp_path, environment={"storage_mb": 64})
    r = attack(adv.DiskFillAgent, task, tmp_path, oracle=True)
    failed(r)
    assert "disk_limit" in r.flags
    assert r.outcome is not None and r.outcome.limit == "disk"
    huge = adv.DiskFillAgent.outputs[0]
    assert f"size={64 << 20}" in huge, huge  # the per-file cap stopped the single huge file


def test_endless_output(tmp_path: Path) -> None:
    r = attack(adv.EndlessOutputAgent, load_task(SMOKE / "word-report"), tmp_path, oracle=True)
    failed(r)
    assert all("bytes of output elided" in out for out in adv.EndlessOutputAgent.outputs[:3])
    trial_dir = tmp_path / r.run_id / "trials" / r.trial_id
    # gigabytes printed; what is kept is bounded by the output cap of each command
    assert sum(p.stat().st_size for p in trial_dir.iterdir()) < 8 * DEFAULT_OUTPUT_CAP


def test_container_output_is_not_logged_by_the_engine(sandbox: Sandbox) -> None:
    """Writing to /proc/1/fd/1 must not grow a log file on the host."""
    sandbox.exec("head -c 10000000 /dev/zero > /proc/1/fd/1", timeout=30)
    attrs = engine.client().api.inspect_container(sandbox.id)
    assert attrs["HostConfig"]["LogConfig"]["Type"] == "none"
    assert not attrs.get("LogPath")


def test_flooded_test_log_is_cut_to_head_and_tail(tmp_path: Path) -> None:
    r = attack(adv.FloodTestLogAgent, load_task(SMOKE / "fix-median"), tmp_path)
    failed(r)
    assert r.verdict is not None and r.verdict.resolution == "RESOLVED_NO"  # the summary in the tail was read
    log = tmp_path / r.run_id / "trials" / r.trial_id / "verifier.log"
    assert log.stat().st_size < LOG_HEAD + LOG_TAIL + 4096
    assert "bytes of test output elided" in log.read_text()


def test_sleep_past_the_timeout_still_grades(tmp_path: Path) -> None:
    r = attack(adv.SleepPastTimeoutAgent, load_task(SMOKE / "word-report"), tmp_path, Budget(timeout_s=3), oracle=True)
    failed(r)
    assert r.outcome is not None and r.outcome.limit == "time"
    assert r.verdict is not None and r.timings.total_s < 60


# -- attacking the harness's own processes ---------------------------------------------------


@pytest.mark.parametrize("agent", [adv.KillShellAgent, adv.KillerLoopAgent])
def test_killing_the_harness_shells_is_a_failure_not_an_error(agent: type[adv.Scripted], tmp_path: Path) -> None:
    """An agent must not turn its failure into an error (errors are left out of pass
    rates and rerun): the container is restarted, files kept, and the attempt graded."""
    r = attack(agent, load_task(SMOKE / "word-report"), tmp_path, oracle=True)
    failed(r)
    assert r.verdict is not None and r.verdict.exit_code == 0  # the tests ran, on the agent's report


def test_kill_all_restarts_a_container_whose_shells_keep_dying(sandbox: Sandbox) -> None:
    """The fallback the trial above may need (it races with the killer): a process that
    kills every shell the harness opens is ended by restarting the container; files stay."""
    sandbox.exec("echo kept > /work/keep.txt", timeout=30)
    sandbox.exec("setsid bash -c 'while :; do kill -9 -1; done' </dev/null >/dev/null 2>&1 &", timeout=30)
    time.sleep(0.5)  # the control shell is dead by now
    sandbox.kill_all()
    assert sandbox.restarts == 1
    assert sandbox.exec("cat /work/keep.txt", timeout=30).stdout == "kept\n"
    assert sandbox.exec("pgrep -fc 'do kill -9'", timeout=30).stdout.strip() == "0"  # the killer is gone


# -- the test runner from inside (the pytest guard) -----------------------------------------
# Each of these passed before the guard: RESOLVED_FULL on fix-median with the bug in place.


def guard_record(tmp_path: Path, r: TrialResult) -> dict:
    return json.loads((tmp_path / r.run_id / "trials" / r.trial_id / "guard.json").read_text())


def _resolved_no(r: TrialResult) -> None:
    failed(r)
    assert r.verdict is not None and r.verdict.resolution == "RESOLVED_NO", r.verdict


class TestPluginsFromTheRepositoryConfiguration:
    """A pytest plugin switched on by the repository itself: the base state's pytest
    configuration is restored, auto-loading is off, and the guard would still see it."""

    @pytest.mark.parametrize(
        "agent", [adv.PluginFromPyprojectAgent, adv.PluginFromSetupCfgAgent, adv.PluginFromDotPytestIniAgent]
    )
    def test_plugin_in_a_configuration_file(self, agent: type[adv.Scripted], tmp_path: Path) -> None:
        r = attack(agent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)
        assert "changed_test_config" in r.flags
        assert "suspicious_change" in r.flags
        assert r.verdict is not None and any("pytest options" in line for line in r.verdict.review)

    def test_a_configuration_file_without_a_pytest_section_is_left_alone(self, tmp_path: Path) -> None:
        r = attack(adv.ConfigWithoutPytestSectionAgent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)  # the bug is still there
        assert "changed_test_config" not in r.flags and "suspicious_change" not in r.flags

    def test_plugin_through_an_entry_point_on_the_path(self, tmp_path: Path) -> None:
        r = attack(adv.PluginFromEntryPointAgent, load_task(SMOKE / "fix-median"), tmp_path, oracle=True)
        _resolved_no(r)
        assert "suspicious_change" in r.flags
        assert r.verdict is not None and any("dist-info" in line for line in r.verdict.review)
        assert guard_record(tmp_path, r)["problems"] == []  # it never loaded

    @pytest.mark.parametrize("agent", [adv.ShadowPytestAgent, adv.ShadowStdlibAgent])
    def test_modules_pytest_imports_shadowed_by_the_repository(self, agent: type[adv.Scripted], tmp_path: Path) -> None:
        r = attack(agent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)
        assert "shadowed_module" in r.flags  # removed before the tests ran
        assert guard_record(tmp_path, r)["runs"] == 1  # the real pytest ran, under the guard


class TestPackageRewritesPytestAtImport:
    """The package under test patches pytest's internals when the tests import it."""

    @pytest.mark.parametrize(
        ("agent", "seen"),
        [
            (adv.PatchTestReportAgent, "TestReport.from_item_and_call"),
            (adv.PatchCallAndReportAgent, "_pytest.runner.call_and_report"),
            (adv.PatchCodeObjectAgent, "TestReport.__init__"),
            (adv.PatchTerminalSummaryAgent, "TerminalReporter.short_test_summary"),
            (adv.RegisterPluginAtImportAgent, "plugin registered during the session"),
        ],
    )
    def test_patched_internals_are_seen(self, agent: type[adv.Scripted], seen: str, tmp_path: Path) -> None:
        r = attack(agent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)
        assert "runner_tampered" in r.flags
        assert "suspicious_change" in r.flags
        problems = guard_record(tmp_path, r)["problems"]
        assert any(seen in p for p in problems), problems
        # the guard's own account: the two tests of the bug failed
        outcomes = guard_record(tmp_path, r)["outcomes"]
        assert outcomes["tests/test_stats.py::test_median_even_length"] == "failed"


class TestForgedTestLog:
    """The package writes a summary of its own into the verifier's log, or forges the
    exit code or the guard's record."""

    def test_summary_written_through_an_inherited_descriptor(self, tmp_path: Path) -> None:
        r = attack(adv.ForgedSummaryThroughFdAgent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)
        assert "fake_test_summary" in r.flags
        log = (tmp_path / r.run_id / "trials" / r.trial_id / "verifier.log").read_text()
        assert log.count("short test summary info") >= 2  # the forgery reached the log

    def test_log_replaced_at_exit(self, tmp_path: Path) -> None:
        r = attack(adv.ForgedLogAtExitAgent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)
        assert "verdict_mismatch" in r.flags
        assert "fake_test_summary" not in r.flags  # one summary only: the guard tells

    def test_log_and_exit_code_forged(self, tmp_path: Path) -> None:
        r = attack(adv.ForgedLogAndExitCodeAgent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)
        assert "verdict_mismatch" in r.flags
        assert r.verdict is not None and r.verdict.exit_code == 0

    def test_guard_record_rewritten(self, tmp_path: Path) -> None:
        r = attack(adv.ForgedGuardRecordAgent, load_task(SMOKE / "fix-median"), tmp_path, oracle=True)
        _resolved_no(r)
        assert "verdict_mismatch" in r.flags
        assert guard_record(tmp_path, r)["forged"]

    def test_record_signed_with_a_later_runs_key(self, tmp_path: Path) -> None:
        r = attack(adv.ForgedRecordWithSpareKeyAgent, load_task(SMOKE / "fix-median"), tmp_path)
        _resolved_no(r)
        assert "guard_missing" in r.flags  # the outer run's record is gone; the forged one cannot stand in
        record = guard_record(tmp_path, r)
        assert record["runs"] == 1 and not record["first_run"]  # its signature was good


class TestRewardWriter:
    """A Harbor-style task: test.sh runs pytest and writes reward.txt from its exit code.
    The code under test runs inside that pytest."""

    @pytest.mark.parametrize(
        ("agent", "flag"),
        [
            (adv.RewardJsonFromTestsAgent, "reward_written_in_tests"),
            (adv.RewardExitStatusAgent, "verdict_mismatch"),
            (adv.RewardLingeringWriterAgent, "verdict_mismatch"),
            (adv.RewardPatchedReportAgent, "runner_tampered"),
        ],
    )
    def test_reward_cannot_be_forged_from_the_tests(self, agent: type[adv.Scripted], flag: str, tmp_path: Path) -> None:
        r = attack(agent, pytest_state_task(tmp_path), tmp_path)
        failed(r)
        assert flag in r.flags, (r.flags, r.verdict)
