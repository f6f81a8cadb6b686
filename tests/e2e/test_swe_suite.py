"""The swe suite: every task is sound, its image hides the future, its tests are stable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from horizonbench.grading import parsers as graders
from horizonbench.sandbox import images
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.tasks.loader import Task, load_suite
from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker
SWE = REPO / "tasks" / "swe"


def test_suite_shape() -> None:
    suite = load_suite(SWE)
    projects = {t.config.metadata.model_dump()["project"] for t in suite.tasks}
    minutes = sorted(t.expert_minutes or 0 for t in suite.tasks)
    assert len(suite.tasks) >= 15 and len(projects) >= 5
    assert minutes[0] <= 10 and minutes[-1] >= 60
    for t in suite.tasks:
        assert t.config.verifier.grader == "swebench" and t.grading_mode == "fresh"
        assert t.config.environment.source_packages, t.name
        assert not any(p.suffix in (".gz", ".zip", ".whl") for p in t.path.rglob("*")), t.name


def test_tasks_check_swe_suite() -> None:
    res = hb("tasks", "check", SWE, "--concurrency", "2", timeout=900)
    n = len(load_suite(SWE).tasks)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert f"{n}/{n} task(s) sound" in res.stdout


def _history_and_stability(task: Task) -> tuple[str, list[str]]:
    """One container per task: the repository's history, then the oracle's tests three times."""
    image = images.ensure(task)
    v = task.config.verifier
    problems: list[str] = []
    with Sandbox.start(image.tag, workdir=image.workdir) as sb:
        history = sb.exec(
            "git rev-list --all | wc -l; git tag | wc -l; git remote | wc -l; "
            "git reflog --all 2>/dev/null | wc -l; git stash list | wc -l; "
            "git fsck --unreachable --no-reflogs 2>/dev/null | grep -c commit",
            timeout=60,
        ).stdout.split()
        if history != ["1", "0", "0", "0", "0", "0"]:
            problems.append(f"history beyond the base: commits/tags/remotes/reflog/stash/unreachable = {history}")
        sb.write_file("/tmp/oracle.diff", (task.solution_dir / "patch.diff").read_bytes())
        assert sb.exec("git apply /tmp/oracle.diff", timeout=60).exit_code == 0
        sb.put_dir(task.tests_dir, v.tests_dir)
        runs = []
        for i in range(3):
            sb.exec(f"( {v.command} ) > /tmp/run{i}.log 2>&1", timeout=v.timeout_sec)
            status, _ = graders.parse_log(sb.read_file(f"/tmp/run{i}.log").decode(errors="replace"), v.log_parser)
            runs.append({t: status.get(t) for t in v.fail_to_pass + v.pass_to_pass})
    if not all(r == runs[0] for r in runs):
        problems.append("the oracle's test outcomes differ between runs (flaky)")
    bad = [t for t, s in runs[0].items() if s not in ("PASSED", "XFAIL")]
    if bad:
        problems.append(f"listed tests not passing with the oracle: {bad[:3]}")
    return task.name, problems


def test_images_hide_later_history_and_oracle_runs_agree() -> None:
    tasks = load_suite(SWE).tasks
    with ThreadPoolExecutor(2) as pool:
        found = dict(pool.map(_history_and_stability, tasks))
    assert {name: p for name, p in found.items() if p} == {}
