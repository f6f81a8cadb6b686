"""Resume: passed and failed trials are kept, trials with an infrastructure error run again."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from horizonbench.models import TrialResult
from horizonbench.results.store import RunDir
from horizonbench.runner.executor import ResultFn, RunOptions
from horizonbench.runner.run import execute
from horizonbench.runner.trial import TrialSpec
from horizonbench.tasks.loader import Task, load_suite

REPO = Path(__file__).resolve().parents[2]


class FakeExecutor:
    """Writes a result per trial without Docker: ``outcome(spec)`` says which."""

    def __init__(self, outcome: dict[str, str]) -> None:
        self.outcome = outcome
        self.ran: list[str] = []

    async def open(self, tasks: Sequence[Task], opts: RunOptions) -> None:
        return None

    async def run(self, specs: Sequence[TrialSpec], run: RunDir, opts: RunOptions, on_result: ResultFn) -> None:
        for spec in specs:
            self.ran.append(spec.trial_id)
            status = self.outcome.get(spec.task.name, "passed")
            result = TrialResult(
                run_id=run.run_id,
                trial_id=spec.trial_id,
                task=spec.task.name,
                agent=spec.agent,
                attempt=spec.attempt,
                status=status,  # type: ignore[arg-type]
                error="engine went away" if status == "error" else None,
            )
            run.write_result(result)
            on_result(result)

    async def close(self, run_id: str) -> None:
        return None


def test_errors_are_rerun_and_finished_trials_kept(tmp_path: Path) -> None:
    suite = load_suite(REPO / "tasks" / "smoke")
    opts = RunOptions(run_id="r", agents=["oracle"], attempts=2, results_root=tmp_path)
    first = FakeExecutor({"fix-median": "error", "word-report": "failed"})
    s1 = asyncio.run(execute(suite.tasks, [suite], opts, executor=first))
    assert s1.counts == {"error": 2, "failed": 2, "passed": 2}
    kept = {p.parent.name: p.read_text() for p in (tmp_path / "r" / "trials").glob("*/result.json")}

    second = FakeExecutor({})
    s2 = asyncio.run(execute(suite.tasks, [suite], opts, executor=second))
    assert sorted(second.ran) == ["fix-median__oracle__0", "fix-median__oracle__1"]
    assert s2.counts == {"passed": 4, "failed": 2} and s2.skipped == 4 and s2.rerun == 2
    assert "(4 already done, 2 errors rerun)" in s2.line()
    results = {r.trial_id: r for r in RunDir(tmp_path, "r").results()}
    assert len(results) == 6 and all(r.status != "error" for r in results.values())
    for tid, text in kept.items():
        if not tid.startswith("fix-median"):
            assert (tmp_path / "r" / "trials" / tid / "result.json").read_text() == text

    third = FakeExecutor({})
    s3 = asyncio.run(execute(suite.tasks, [suite], opts, executor=third))
    assert third.ran == [] and s3.skipped == 6 and s3.rerun == 0
