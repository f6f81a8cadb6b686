"""Grading one attempt in a sandbox. Hidden tests enter only now.

``fresh`` (repository tasks): the agent's diff is applied to a clean container of the
task image, protected paths (tests, conftest.py, start-up hooks) are restored from the
base state, then the hidden tests are copied in and run. ``same`` (state tasks): the
tests run on the agent's state in a container of their own, a snapshot of the agent's
joined to its network and processes, so services it left keep answering while nothing
it left can reach the tests (:mod:`horizonbench.sandbox.snapshot`), on the image's
runtime (:mod:`horizonbench.grading.runtime`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shlex
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from horizonbench.errors import SandboxError, SessionDied
from horizonbench.grading import eval_script, runtime
from horizonbench.grading import parsers as graders
from horizonbench.grading.guard import GuardSetup, restore_shadowing_modules, restore_test_config
from horizonbench.grading.records import GuardReport, check_records, cross_check_log, cross_check_reward
from horizonbench.grading.tamper import (
    diff_paths,
    is_protected,
    planted_test_files,
    suspicious_changes,
    tampered_system_paths,
)
from horizonbench.models import Verdict
from horizonbench.models.task import is_pytest_style
from horizonbench.results.store import write_redacted
from horizonbench.sandbox import patch_chain
from horizonbench.sandbox.egress_bridge import grading_env
from horizonbench.sandbox.images import TaskImage
from horizonbench.sandbox.limits import make_limits
from horizonbench.sandbox.overlay import CHANGE_ADDED
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.sandbox.shell import ExecResult
from horizonbench.sandbox.snapshot import remove_snapshot
from horizonbench.tasks import soundness
from horizonbench.tasks.loader import Task

if TYPE_CHECKING:
    from swebench.types import TestSpec

log = logging.getLogger(__name__)

VERIFIER_DIR = "/logs/verifier"


def sandbox_limits(task: Task) -> dict[str, float | int]:
    env = task.config.environment
    return {"cpus": env.cpus, "memory_mb": env.memory_mb, "pids": env.pids, "storage_mb": env.storage_mb}


# Largest test log kept: its head and (where the summary is) its tail.
LOG_HEAD, LOG_TAIL = 1 << 20, 8 << 20


def start_clean(task: Task, image: TaskImage, labels: dict[str, str], mounts: dict[str, str] | None = None) -> Sandbox:
    """A clean container of the task's image for fresh-mode grading. A trial starts it while
    the agent works (it is a second container: the agent has no way into it), so grading
    does not wait for a container start. ``mounts`` (host -> container) carry the egress
    proxy's directory when the verifier has network."""
    return Sandbox.start(
        image.tag,
        limits=make_limits(**sandbox_limits(task)),
        workdir=image.workdir,
        env=task.config.environment.env,
        labels={**labels, "horizonbench.role": "grader"},
        mounts=mounts,
    )


def grade(
    task: Task,
    image: TaskImage,
    agent_sandbox: Sandbox | None,
    diff: str,
    trial_dir: Path,
    labels: dict[str, str],
    clean: Sandbox | None = None,
    mounts: dict[str, str] | None = None,
) -> tuple[Verdict, float]:
    """Grade an attempt; returns the verdict and the seconds the tests took. Fresh mode uses
    ``clean`` (from :func:`start_clean`, closed here) when given, else starts one. ``mounts``
    (host -> container) go to a grading container started here: the verifier's egress
    directory, never shared with the agent's container.

    Raises:
        SandboxError: the grading container could not be started or used (an
            infrastructure error, never the agent's failure).
    """
    verdict, test_s = _grade(task, image, agent_sandbox, diff, trial_dir, labels, clean, mounts)
    review = suspicious_changes(diff)
    if review:
        # The verdict stands; the attempt is marked for a person to look at.
        log.info("task %s: change reaches into the test machinery: %s", task.name, review[:3])
        verdict.review = review
        if "suspicious_change" not in verdict.flags:
            verdict.flags.append("suspicious_change")
    return verdict, test_s


def _grade(
    task: Task,
    image: TaskImage,
    agent_sandbox: Sandbox | None,
    diff: str,
    trial_dir: Path,
    labels: dict[str, str],
    clean: Sandbox | None,
    mounts: dict[str, str] | None,
) -> tuple[Verdict, float]:
    mode = task.grading_mode
    if mode == "fresh":
        return _grade_fresh(task, image, agent_sandbox, diff, trial_dir, labels, clean, mounts)
    if mode == "same":
        if agent_sandbox is None:
            raise ValueError("same-mode grading needs the agent's sandbox")
        return _grade_same(task, image, agent_sandbox, diff, trial_dir, labels, mounts)
    raise ValueError(f"unknown grading mode {mode!r}")


def _grade_same(
    task: Task,
    image: TaskImage,
    agent_sandbox: Sandbox,
    diff: str,
    trial_dir: Path,
    labels: dict[str, str],
    mounts: dict[str, str] | None,
) -> tuple[Verdict, float]:
    """The tests run on what the agent left, in a container of their own: a snapshot of the
    agent's files joined to its network and processes (services it left keep answering),
    out of reach of whatever it left running, on the image's runtime (:mod:`.runtime`)."""
    changes = agent_sandbox.changes()
    snapshot = agent_sandbox.snapshot({**labels, "horizonbench.role": "grader"})
    flags: list[str] = []
    try:
        prepared = runtime.Prepared()

        def prepare(container_id: str) -> None:
            nonlocal prepared
            prepared = runtime.prepare(container_id, image.tag, changes)

        grader = _start_grader(task, image, snapshot, agent_sandbox, labels, prepare, mounts)
        if grader is None:
            # What the agent left kills every process that starts beside it: the tests
            # cannot run with it, so it goes (and with it any service it was asked to keep).
            log.info("task %s: a process the agent left kills the grader; killing what it left", task.name)
            agent_sandbox.kill_all()
            flags.append("leftovers_killed")
            grader = _start_grader(task, image, snapshot, agent_sandbox, labels, prepare, mounts)
            if grader is None:
                raise SandboxError("the grading container died at its start, twice")
        try:
            runtime.remove_dirs(grader, prepared.dirs)
            if prepared.done:
                flags.append("tampered_system")
            if prepared.unchecked:
                # A package's file set aside only because its archive could not be reached:
                # the harness cannot tell a legitimate install from a forged one.
                flags.append("provenance_unchecked")
            if restore_shadowing_modules(grader, diff_paths(diff), image.workdir):
                flags.append("shadowed_module")
            added = [path for path, kind in changes if kind == CHANGE_ADDED]
            planted = planted_test_files(added, task.config.verifier.tests_dir, image.workdir)
            if planted:
                log.info("task %s: agent planted %s where the tests run; removing them", task.name, planted[:5])
                grader.exec("rm -rf -- " + " ".join(map(shlex.quote, planted)), timeout=120)
                flags.insert(0, "touched_protected")
            verdict, test_s = _run_tests(task, image, grader, trial_dir, "same", flags, freeze=True)
        finally:
            grader.close()  # before its image is removed
    finally:
        remove_snapshot(snapshot)
    if prepared.done:
        verdict.review = [*prepared.done, *verdict.review]
    verdict.kept = prepared.kept
    return verdict, test_s


def _start_grader(
    task: Task,
    image: TaskImage,
    snapshot: str,
    agent_sandbox: Sandbox,
    labels: dict[str, str],
    prepare: Callable[[str], None],
    mounts: dict[str, str] | None,
) -> Sandbox | None:
    """The same-mode grading container, or None when it died as it started (something the
    agent left kills every process it can)."""
    try:
        grader = Sandbox.start(
            snapshot,
            limits=make_limits(**sandbox_limits(task)),
            workdir=image.workdir,
            env=task.config.environment.env,
            labels={**labels, "horizonbench.role": "grader"},
            join=agent_sandbox,
            prepare=prepare,
            mounts=mounts,
        )
    except (SandboxError, SessionDied) as exc:
        log.info("grading container did not come up: %s", exc)
        return None
    probe = grader.exec("true", timeout=30)
    if probe.exit_code != 0 or probe.session_restarted:
        grader.close()
        return None
    return grader


def _grade_fresh(
    task: Task,
    image: TaskImage,
    agent_sandbox: Sandbox | None,
    diff: str,
    trial_dir: Path,
    labels: dict[str, str],
    clean: Sandbox | None = None,
    mounts: dict[str, str] | None = None,
) -> tuple[Verdict, float]:
    if clean is not None:
        sb = clean
        try:
            changes = agent_sandbox.changes() if agent_sandbox is not None else []
        except BaseException:
            sb.close(wait=False)
            raise
    else:
        # Where the engine must be asked for the agent's changes (most of a second), the
        # clean container starts meanwhile (both are waits on the engine, not work here).
        with ThreadPoolExecutor(2) as pool:
            starting = pool.submit(start_clean, task, image, labels, mounts)
            try:
                changes = agent_sandbox.changes() if agent_sandbox is not None else []
            except BaseException:
                with contextlib.suppress(Exception):
                    starting.result().close()
                raise
            sb = starting.result()
    tampered = tampered_system_paths([path for path, _ in changes])
    if tampered:
        log.info("task %s: agent changed system paths %s", task.name, tampered[:5])
    try:
        return _apply_and_test(task, image, sb, diff, trial_dir, tampered)
    finally:
        sb.close(wait=False)


def _apply_and_test(
    task: Task, image: TaskImage, sb: Sandbox, diff: str, trial_dir: Path, tampered: list[str]
) -> tuple[Verdict, float]:
    """Apply the agent's diff to the clean container, restore protected paths, run the tests."""
    mode = "fresh"
    flags: list[str] = ["tampered_system"] if tampered else []
    method: str | None = None
    if diff.strip():
        # swebench's chain (git apply, --3way, --reject, patch --fuzz=5): a patch is not
        # applied only where SWE-bench's harness would not apply it either.
        sb.write_file("/tmp/.hb-agent.diff", diff)
        sb.write_file("/tmp/.hb-apply.sh", patch_chain.chain_script("/tmp/.hb-agent.diff"))
        res = sb.exec("bash /tmp/.hb-apply.sh; s=$?; rm -f /tmp/.hb-apply.sh; exit $s", timeout=300)
        method = patch_chain.method_of(res.output) if res.exit_code == 0 else None
        if method is None:
            detail = f"the diff did not apply to a clean copy: {patch_chain.failure_summary(res.output)}"
            return _refused(task, mode, "patch_failed", detail), 0.0
        if method != "git apply":
            log.info("task %s: the diff applied with %s", task.name, method)
    touched = [p for p in diff_paths(diff) if is_protected(p, task.config.verifier.protected)]
    if touched:
        flags.append("touched_protected")
        log.info("task %s: agent changed protected paths %s; restoring them", task.name, touched)
        restore = " ; ".join(
            f"{{ git checkout -q HEAD -- {q} 2>/dev/null || rm -rf -- {q}; }}" for q in map(shlex.quote, touched)
        )
        sb.exec(restore, timeout=120)
    shadows = restore_shadowing_modules(sb, diff_paths(diff), image.workdir)
    if shadows:
        flags.append("shadowed_module")
        log.info("task %s: agent's files would stand in for modules pytest imports: %s", task.name, shadows)
    config = restore_test_config(sb, diff_paths(diff), image.workdir)
    if config:
        flags.append("changed_test_config")
        log.info("task %s: agent changed the pytest configuration in %s; base state's restored", task.name, config)
    verdict, test_s = _run_tests(task, image, sb, trial_dir, mode, flags)
    verdict.patch_method = method
    return verdict, test_s


def _refused(task: Task, mode: str, flag: str, detail: str) -> Verdict:
    """A failed verdict reached without running the tests."""
    return Verdict(
        status="failed", reward=0.0, grader=task.config.verifier.grader, mode=mode, flags=[flag], detail=detail
    )


def _run_tests(
    task: Task, image: TaskImage, sb: Sandbox, trial_dir: Path, mode: str, flags: list[str], freeze: bool = False
) -> tuple[Verdict, float]:
    """Run the hidden tests in ``sb`` and decide. With ``freeze`` (a grading container that
    shares its process table with the agent's), the container is paused once the test
    command ends and everything is read through the archive API: what the tests left stops
    where it is, and nothing is killed that the agent was asked to leave running."""
    v = task.config.verifier
    # pytest-graded tasks run only the plugins of the base image; a reward task's test.sh
    # may install its own, so auto-loading stays on there.
    guard = GuardSetup.new(keys=32, base_plugins=_graded_by_pytest_log(task))
    guard.install(sb, VERIFIER_DIR)
    spec = eval_script.test_spec(task, image) if eval_script.applies(task, image) else None
    # Whatever the agent wrote where results land is gone before the tests start. An eval
    # script switches the guard on itself, in the environment it activates.
    switch = "" if spec is not None else f" && {guard.switch_on()}"
    sb.exec(f"rm -rf {VERIFIER_DIR} && mkdir -p {VERIFIER_DIR}{switch}", timeout=60)
    if spec is not None:
        # The record's script applies its test patch itself: no tests/ are copied in.
        sb.write_file(eval_script.EVAL_PATH, eval_script.script(spec, [guard.switch_on()]))
        command = f"/bin/bash {eval_script.EVAL_PATH}"
    else:
        for tests in task.test_dirs:  # a step's own tests/ land over the task's
            sb.put_dir(tests, v.tests_dir)
        for dest, src in task.test_includes().items():
            sb.write_file(f"{v.tests_dir.rstrip('/')}/{dest}", src.read_bytes())
        command = v.command or f"bash {shlex.quote(v.tests_dir)}/test.sh"
    out = f"{VERIFIER_DIR}/test-output.log"
    started = time.monotonic()
    env = {**grading_env(sb), **v.env}  # the egress proxy, where the verifier phase has network
    res = sb.exec(f"( {command} ) > {out} 2>&1", cwd=image.workdir, env=env, timeout=v.timeout_sec)
    test_s = time.monotonic() - started
    if freeze:
        sb.pause()
        try:
            return _conclude(task, sb, trial_dir, command, out, res, mode, flags, guard, test_s, spec)
        finally:
            sb.unpause()
    if v.grader == "reward":
        # A process the tests left could still write the reward file after test.sh did.
        sb.kill_all()
    return _conclude(task, sb, trial_dir, command, out, res, mode, flags, guard, test_s, spec)


def _conclude(
    task: Task,
    sb: Sandbox,
    trial_dir: Path,
    command: str,
    out: str,
    res: ExecResult,
    mode: str,
    flags: list[str],
    guard: GuardSetup,
    test_s: float,
    spec: TestSpec | None = None,
) -> tuple[Verdict, float]:
    """Read the test log, the guard's records and the reward, and decide. With ``spec`` (an
    eval script ran), the test output is what swebench reads of its log.

    Raises:
        EvalScriptError: the eval script did not get its tests to run.
    """
    # Code under test may print without end: only the head and the tail (where the
    # summary is) of a long log come out of the container.
    try:
        log_text = sb.read_file_capped(out, LOG_HEAD, LOG_TAIL).decode("utf-8", errors="replace")
    except FileNotFoundError:
        log_text = res.output
    write_redacted(
        trial_dir / "verifier.log",
        f"$ {command}\n{log_text}\n[exit {res.exit_code}{', timed out' if res.timed_out else ''}]\n",
    )
    if res.timed_out:
        flags.append("verifier_timeout")
    report = check_records(guard.read_records(sb), guard.keys, guard.nonce)
    write_redacted(trial_dir / "guard.json", json.dumps(report.to_json(), indent=1) + "\n")
    exit_code = res.exit_code
    if spec is not None:
        output = eval_output(task, log_text, spec)
        if output.problem:  # swebench takes no result from this log: not resolved
            refused = _refused(task, mode, "no_test_result", output.problem)
            refused.flags, refused.exit_code = [*flags, *refused.flags], output.exit_code
            return refused, test_s
        log_text, exit_code = output.text, output.exit_code if output.exit_code is not None else res.exit_code
    verdict = _decide(task, sb, log_text, exit_code, mode, flags, report)
    return verdict, test_s


def eval_output(task: Task, log_text: str, spec: TestSpec) -> eval_script.TestsOutput:
    """What an eval script's log gives the verdict.

    A log that shows no test at all is the change's doing where the gold patch gave results
    on this very task (its soundness record): a failure, as swebench books it. Elsewhere the
    harness cannot tell it from a broken environment: an error, so that an agent cannot
    turn its failures into errors by silencing the tests of a sound instance.

    Raises:
        EvalScriptError: no result, and nothing shows this task's environment gives any.
    """
    try:
        return eval_script.read_log(log_text, spec)
    except eval_script.NoTestResult as exc:
        known = soundness.cached(task)
        if known is None or not known.sound:
            raise
        return eval_script.TestsOutput("", None, f"{exc}; yet the gold patch gave test results on this task")


def _graded_by_pytest_log(task: Task) -> bool:
    v = task.config.verifier
    return is_pytest_style(v.log_parser) and (v.grader != "reward" or bool(task.config.milestones))


def _read_optional(sb: Sandbox, path: str) -> str | None:
    try:
        return sb.read_file(path).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def _decide(
    task: Task, sb: Sandbox, log_text: str, exit_code: int, mode: str, flags: list[str], guard: GuardReport
) -> Verdict:
    v = task.config.verifier
    status_map: dict[str, str] = {}
    distrust = ""
    if v.grader != "reward" or task.config.milestones:
        status_map, parse_flags = graders.parse_log(log_text, v.log_parser)
        flags.extend(parse_flags)
        if _graded_by_pytest_log(task):
            checked = cross_check_log(
                status_map,
                guard,
                exit_code,
                "fake_test_summary" in parse_flags,
                lambda text: graders.parse_status_lines(text, v.log_parser),
            )
            status_map, distrust = checked.status, checked.detail
            flags.extend(f for f in checked.flags if f not in flags)
    milestones, furthest = graders.grade_milestones(task.config.milestones, status_map)
    base = {"grader": v.grader, "mode": mode, "milestones": milestones, "furthest_milestone": furthest}
    if v.grader == "reward":
        reading = graders.read_reward(
            _read_optional(sb, f"{VERIFIER_DIR}/reward.json"), _read_optional(sb, f"{VERIFIER_DIR}/reward.txt")
        )
        checked = cross_check_reward(reading.reward or 0.0, guard)
        flags.extend(f for f in checked.flags if f not in flags)
        if reading.reward is None:
            flags.append("reward_unreadable")
            return Verdict(
                status="failed", reward=0.0, exit_code=exit_code, flags=flags, detail=reading.problem, **base
            )
        if checked.detail:
            return Verdict(status="failed", reward=0.0, exit_code=exit_code, flags=flags, detail=checked.detail, **base)
        passed = reading.reward >= 1.0
        return Verdict(
            status="passed" if passed else "failed",
            reward=reading.reward,
            exit_code=exit_code,
            flags=flags,
            detail=f"reward {reading.reward:g}",
            **base,
        )
    if v.grader == "swebench":
        resolution, report = graders.swebench_report(status_map, v.fail_to_pass, v.pass_to_pass, v.eval_type)
        f2p, p2p = report["FAIL_TO_PASS"], report["PASS_TO_PASS"]
        n_ok = len(f2p["success"]) + len(p2p["success"])
        n_all = n_ok + len(f2p["failure"]) + len(p2p["failure"])
        return Verdict(
            status="passed" if resolution == "RESOLVED_FULL" else "failed",
            reward=1.0 if resolution == "RESOLVED_FULL" else 0.0,
            resolution=resolution,
            tests={"FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p},
            exit_code=exit_code,
            flags=flags,
            detail=distrust or f"{resolution}: {n_ok}/{n_all} listed tests pass",
            **base,
        )
    done = sum(m.passed for m in milestones)
    return Verdict(
        status="passed" if done == len(milestones) else "failed",
        reward=done / len(milestones),
        exit_code=exit_code,
        flags=flags,
        detail=distrust or f"{done}/{len(milestones)} milestones",
        **base,
    )
