"""``horizonbench ci``: the regression gate for a change to an agent's prompts or scaffold.

Runs a suite for the candidate, compares it with a stored baseline run paired by task,
writes a Markdown summary (the decision, the evidence, per-task changes and the prompt
hashes of both runs) and junit.xml, and says whether the candidate significantly
regressed by more than the tolerated drop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from horizonbench.report.junit import write_junit
from horizonbench.results.frame import load
from horizonbench.results.store import atomic_write, find_run
from horizonbench.runner.executor import Executor, RunOptions
from horizonbench.runner.run import ProgressFn, RunSummary, execute
from horizonbench.tasks.loader import Suite, Task
from horizonbench.workflows.gate import GateResult, compare_paths


@dataclass
class CIResult:
    run: RunSummary
    gate: GateResult
    summary_markdown: str

    @property
    def regressed(self) -> bool:
        return self.gate.regressed


def _prompts(run_dir: Path) -> dict[str, dict[str, str]]:
    manifest = json.loads((run_dir / "run.json").read_text())
    return dict((manifest.get("config") or {}).get("prompts") or {})


def run_ci(
    tasks: Sequence[Task],
    suites: Sequence[Suite],
    opts: RunOptions,
    baseline: Path,
    *,
    max_drop: float = 0.0,
    alpha: float = 0.05,
    summary_path: Path | None = None,
    junit_path: Path | None = None,
    progress: ProgressFn | None = None,
    executor: Executor | None = None,
) -> CIResult:
    """Run the candidate, gate it against ``baseline``, write the summary and junit.xml.

    Raises:
        RunError: the baseline is not a run directory, or the two runs share no task.
    """
    base = find_run(baseline)  # a clear error before any trial runs
    summary = asyncio.run(execute(tasks, suites, opts, progress, executor))
    gate = compare_paths(base.path, summary.path, max_drop=max_drop, alpha=alpha)
    lines = [
        "## horizonbench regression gate",
        "",
        gate.to_markdown(),
        "",
        "### Prompt templates",
        "",
        "| run | agent | template | hash |",
        "|---|---|---|---|",
    ]
    for label, path in (("baseline", base.path), ("candidate", summary.path)):
        for agent, files in sorted(_prompts(path).items()):
            lines += [f"| {label} | {agent} | {name} | `{digest}` |" for name, digest in sorted(files.items())]
    lines += ["", f"Candidate run: {summary.line()}", ""]
    markdown = "\n".join(lines)
    if summary_path is not None:
        atomic_write(summary_path, markdown)
    if junit_path is not None:
        write_junit(load(summary.path), junit_path)
    return CIResult(summary, gate, markdown)
