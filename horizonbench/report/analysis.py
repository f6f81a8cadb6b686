"""Everything a report shows, computed once from one or more runs.

Trials are grouped by agent and model; when the same agent and model appear in several of
the given runs, the run id joins the key, so two runs of one agent (a prompt change, say)
are never pooled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from horizonbench.results.columns import for_scoring
from horizonbench.results.loading import load
from horizonbench.scoring import (
    CostSummary,
    HorizonFit,
    HorizonMethod,
    KMetric,
    PartialCredit,
    PassRate,
    ScoringInputError,
    by_difficulty,
    by_horizon_bucket,
    cost_summary,
    fit_horizon,
    horizon_method,
    partial_credit,
    pass_at_1,
    pass_at_k,
    pass_hat_k,
    success_by_length,
    survival_curve,
)
from horizonbench.scoring.metrics import check_interval

GROUP = "group"
"""Column added to the frame: the label of a trial's agent/model (and run) group."""


@dataclass(frozen=True)
class RunInfo:
    """What a report says about one run it covers."""

    run_id: str
    path: str
    created_at: str = ""
    version: str = ""
    n_trials: int = 0
    prompt_hashes: dict[str, str] = field(default_factory=dict)
    """Prompt file -> content hash, per agent where the manifest records them."""
    datasets: list[tuple[str, str, str, int]] = field(default_factory=list)
    """(NAME@VERSION, repository, commit, tasks) of each dataset checkout the run's tasks came from."""


@dataclass(frozen=True)
class GroupStats:
    """The figures of one agent/model group."""

    label: str
    agent: str
    model: str | None
    rate: PassRate
    attempts: int
    """Most non-error attempts any task has; pass@k and pass^k use this k."""
    pass_k: KMetric | None
    pass_hat: KMetric | None
    partial: PartialCredit
    cost: CostSummary
    horizon: HorizonFit | None
    horizon_note: str
    """Why there is no horizon, when there is none."""
    survival: pd.DataFrame
    by_length: pd.DataFrame


@dataclass(frozen=True)
class Analysis:
    """The figures of a report: per group, per difficulty, per length bucket, per task."""

    frame: pd.DataFrame
    runs: list[RunInfo]
    groups: list[GroupStats]
    by_difficulty: pd.DataFrame
    by_horizon: pd.DataFrame
    task_rates: pd.DataFrame
    """Task x group: share of non-error attempts that passed (NaN where every attempt errored)."""
    task_counts: pd.DataFrame
    """Task x group: ``passed/attempts`` text, errors noted (``1/2 +1 err``)."""
    confidence: float
    interval: str = "cluster-t"
    """The interval method asked for pass@1, pass@k, pass^k and partial credit."""
    horizon_method: HorizonMethod = field(default_factory=HorizonMethod)
    """How horizons were estimated."""
    n_bootstrap: int = 1000


def analyse(
    paths: Sequence[str | Path],
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    interval: str = "cluster-t",
    horizon: str | HorizonMethod = "default",
) -> Analysis:
    """Load the runs at ``paths`` and compute every figure of a report.

    ``interval`` is the interval method of the means over tasks (``cluster-t`` or
    ``cluster-normal``); ``horizon`` the horizon method or preset (``default``, ``metr``).

    Raises:
        RunError: a path is not a run directory or an exported frame.
        ScoringInputError: the runs hold no trials, or an option is unknown.
    """
    method = horizon_method(horizon)
    check_interval(interval)
    df = load(paths)
    if df.empty:
        raise ScoringInputError("no trials in " + ", ".join(str(p) for p in paths) + ": nothing to report")
    df = with_groups(df)
    scoring = for_scoring(df)
    groups = [
        _group_stats(label, part, n_bootstrap, seed, confidence, interval, method) for label, part in _by_group(scoring)
    ]
    rates, counts = task_matrix(scoring)
    return Analysis(
        frame=df,
        runs=[run_info(Path(p), df) for p in paths],
        groups=groups,
        by_difficulty=by_difficulty(scoring, [GROUP], confidence, interval),
        by_horizon=by_horizon_bucket(scoring, [GROUP], confidence, interval),
        task_rates=rates,
        task_counts=counts,
        confidence=confidence,
        interval=interval,
        horizon_method=method,
        n_bootstrap=n_bootstrap,
    )


def with_groups(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a ``group`` column: ``agent``, or ``agent/model``, plus ``@ run`` where needed."""
    model = df["model"].astype(object)
    has_model = model.notna() & (model.astype(str) != "")
    label = df["agent"].astype(str).where(~has_model, df["agent"].astype(str) + "/" + model.astype(str))
    runs_per_label = df.groupby(label)["run_id"].nunique()
    shared = label.map(runs_per_label) > 1
    label = label.where(~shared, label + " @ " + df["run_id"].astype(str))
    return df.assign(**{GROUP: label})


def task_matrix(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Task x group pass shares and ``passed/attempts`` texts (tasks keyed ``suite/task`` when suites differ)."""
    task = df["task"].astype(str)
    if df["suite"].nunique() > 1:
        task = df["suite"].astype(str) + "/" + task
    keyed = df.assign(_task=task, _ok=df["status"] != "error", _pass=df["status"] == "passed")
    keyed = keyed.assign(_err=~keyed["_ok"])
    g = keyed.groupby(["_task", GROUP], sort=True)
    passed, attempts, errors = g["_pass"].sum(), g["_ok"].sum(), g["_err"].sum()
    share = (passed / attempts.where(attempts > 0)).unstack(GROUP)
    text = passed.astype(int).astype(str) + "/" + attempts.astype(int).astype(str)
    text = text.where(errors == 0, text + " +" + errors.astype(int).astype(str) + " err")
    counts = text.unstack(GROUP).fillna("")
    share.index.name = counts.index.name = "task"
    return share, counts


def run_info(path: Path, df: pd.DataFrame) -> RunInfo:
    """What the manifest (``run.json``) of a run directory says; little for an exported frame."""
    manifest: dict[str, Any] = {}
    if path.is_dir() and (path / "run.json").is_file():
        try:
            manifest = json.loads((path / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
    run_id = str(manifest.get("run_id") or path.name)
    n = int((df["run_id"] == run_id).sum()) if "run_id" in df.columns else 0
    return RunInfo(
        run_id=run_id,
        path=str(path),
        created_at=str(manifest.get("created_at") or ""),
        version=str(manifest.get("horizonbench_version") or ""),
        n_trials=n or (len(df) if not manifest else 0),
        prompt_hashes=prompt_hashes(manifest),
        datasets=dataset_sources(manifest),
    )


def dataset_sources(manifest: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(NAME@VERSION, repository, commit, number of tasks) per dataset checkout a manifest records."""
    counts: dict[tuple[str, str, str], int] = {}
    for entry in (manifest.get("config") or {}).get("tasks") or []:
        origin = entry.get("dataset") if isinstance(entry, dict) else None
        if isinstance(origin, dict):
            key = (
                f"{origin.get('dataset')}@{origin.get('version')}",
                str(origin.get("git_url") or "(local folder)"),
                str(origin.get("commit") or "–"),
            )
            counts[key] = counts.get(key, 0) + 1
    return [(*key, n) for key, n in sorted(counts.items())]


def prompt_hashes(manifest: dict[str, Any]) -> dict[str, str]:
    """Every prompt hash a manifest records, as ``where -> hash``.

    Prompt templates are content-hashed into the manifest (under a key naming prompts, per
    agent or for the run); they are found wherever they sit so that a report shows them.
    """
    found: dict[str, str] = {}
    recorded = (manifest.get("config") or {}).get("prompts")
    if isinstance(recorded, dict):
        for agent, files in recorded.items():
            if isinstance(files, dict):
                found.update({f"{agent}: {name}": str(digest) for name, digest in files.items()})
        if found:
            return found

    def walk(node: Any, where: str, in_prompts: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                inside = in_prompts or "prompt" in str(key).lower()
                walk(value, f"{where}.{key}" if where else str(key), inside)
        elif in_prompts and isinstance(node, str) and _looks_like_hash(node):
            found[where] = node

    walk(manifest, "", False)
    return found


def _looks_like_hash(value: str) -> bool:
    text = value.removeprefix("sha256:")
    return 8 <= len(text) <= 64 and all(c in "0123456789abcdef" for c in text.lower())


def _by_group(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    return [(str(label), part) for label, part in df.groupby(GROUP, sort=True)]


def _group_stats(
    label: str,
    df: pd.DataFrame,
    n_bootstrap: int,
    seed: int,
    confidence: float,
    interval: str,
    method: HorizonMethod,
) -> GroupStats:
    rate = pass_at_1(df, confidence, interval)
    ok = df.loc[df["status"] != "error"]
    attempts = int(ok.groupby(["suite", "task"]).size().max()) if not ok.empty else 0
    pass_k = pass_hat = None
    if attempts > 1:
        pass_k = pass_at_k(df, attempts, confidence, interval)
        pass_hat = pass_hat_k(df, attempts, confidence, interval)
    horizon: HorizonFit | None = None
    note = ""
    by_length = pd.DataFrame()
    try:
        horizon = fit_horizon(df, method=method, n_bootstrap=n_bootstrap, seed=seed, confidence=confidence)
        by_length = success_by_length(df, fit=horizon)
    except ScoringInputError as exc:
        note = "no task length to fit" if "positive length" in str(exc) else str(exc)
    model = df["model"].iloc[0]
    return GroupStats(
        label=label,
        agent=str(df["agent"].iloc[0]),
        model=None if model is None or (isinstance(model, float) and math.isnan(model)) else str(model),
        rate=rate,
        attempts=attempts,
        pass_k=pass_k,
        pass_hat=pass_hat,
        partial=partial_credit(df, confidence, interval),
        cost=cost_summary(df, confidence),
        horizon=horizon,
        horizon_note=note,
        survival=survival_curve(df),
        by_length=by_length,
    )
