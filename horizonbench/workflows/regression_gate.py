"""The regression gate: is a candidate run significantly worse than a baseline run?

:func:`compare_paths` loads two runs, checks that each holds one agent and model (or that a
filter picks one), and decides on a paired comparison (``horizonbench compare``).
:func:`run_ci` runs a suite for the candidate first, then gates it, and writes a Markdown
summary (the decision, the evidence, per-task changes, the prompt hashes of both runs) and
junit.xml (``horizonbench ci``, for a change to an agent's prompts or scaffold).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from horizonbench.errors import RunError
from horizonbench.report.junit import write_junit
from horizonbench.results.loading import load
from horizonbench.results.store import atomic_write, find_run
from horizonbench.runner.executor import Executor, RunOptions
from horizonbench.runner.run import ProgressFn, RunSummary, execute
from horizonbench.scoring import Comparison, compare, regression
from horizonbench.tasks.loader import Suite, Task


@dataclass(frozen=True)
class GateResult:
    """A paired comparison and the gate's decision on it."""

    comparison: Comparison
    regressed: bool
    """True only when the candidate is significantly worse by more than ``max_drop``."""
    max_drop: float
    alpha: float

    def verdict(self) -> str:
        """One line: the decision and why."""
        c = self.comparison
        drop = c.base_rate - c.candidate_rate
        limit = f"{self.max_drop * 100:g} points"
        if c.n_common == 0:
            return "PASS: no task in common, nothing to compare"
        evidence = self.evidence()
        if self.regressed:
            return (
                f"FAIL: {c.candidate} is significantly worse than {c.base} by {drop * 100:.1f} points "
                f"({evidence}), more than the tolerated {limit}"
            )
        if drop <= 0:
            return f"PASS: {c.candidate} is not worse than {c.base} ({c.diff * 100:+.1f} points)"
        if drop <= self.max_drop:
            return f"PASS: the drop of {drop * 100:.1f} points is within the tolerated {limit}"
        return f"PASS: the drop of {drop * 100:.1f} points is not significant ({evidence})"

    def evidence(self) -> str:
        """The one-sided test behind the decision, in words."""
        c = self.comparison
        if c.binary:
            op = "<" if c.p_worse < self.alpha else ">="
            return f"one-sided exact McNemar p = {c.p_worse:.3g} {op} {self.alpha:g}"
        level = f"{(1 - self.alpha) * 100:g}%"
        where = "below" if c.significantly_worse(self.alpha) else "not below"
        return f"one-sided {level} paired-bootstrap bound {where} 0"

    def to_markdown(self) -> str:
        """The comparison's Markdown report with the decision on top."""
        return f"**{self.verdict()}**\n\n{self.comparison.to_markdown()}"


def compare_paths(
    base: str | Path,
    candidate: str | Path,
    *,
    max_drop: float = 0.0,
    alpha: float = 0.05,
    agent: str | None = None,
    model: str | None = None,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> GateResult:
    """Load two runs (directories or exported frames), compare them paired by task, and gate.

    ``max_drop`` is a fraction (0.05 is five points).

    Raises:
        RunError: a path is not a run, a run holds several agents or models and no filter
            picks one, a filter matches nothing, or ``max_drop`` is not a fraction in [0, 1].
        ScoringInputError: ``alpha`` is outside (0, 1).
    """
    if not 0.0 <= max_drop <= 1.0:
        raise RunError(f"option --max-drop: a fraction between 0 and 1 (0.05 is five points), got {max_drop:g}")
    sides = []
    for path in (base, candidate):
        df = _one_agent(load(path), Path(path), agent, model)
        sides.append((df, _label(df, Path(path))))
    (b, b_label), (c, c_label) = sides
    if b_label == c_label:
        b_label, c_label = f"base {b_label}", f"candidate {c_label}"
    result = compare(b, c, base_label=b_label, candidate_label=c_label, n_bootstrap=n_bootstrap, seed=seed)
    return GateResult(result, regression(result, max_drop, alpha), max_drop, alpha)


def _one_agent(df: pd.DataFrame, path: Path, agent: str | None, model: str | None) -> pd.DataFrame:
    if agent is not None:
        df = df.loc[df["agent"] == agent]
    if model is not None:
        df = df.loc[df["model"] == model]
    if df.empty:
        wanted = ", ".join(f"{k} {v!r}" for k, v in (("agent", agent), ("model", model)) if v is not None)
        raise RunError(f"{path}: no trials" + (f" of {wanted}" if wanted else ""))
    pairs = df[["agent", "model"]].astype(object).fillna("-").drop_duplicates()
    if len(pairs) > 1:
        found = ", ".join(sorted(f"{a}/{m}" if m != "-" else str(a) for a, m in pairs.itertuples(index=False)))
        raise RunError(f"{path}: holds several agents or models ({found}); pick one with --agent and/or --model")
    return df


def _label(df: pd.DataFrame, path: Path) -> str:
    runs = df["run_id"].dropna().unique()
    return str(runs[0]) if len(runs) == 1 else path.name


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
