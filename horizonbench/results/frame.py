"""Results as a pandas DataFrame: one row per trial, the input of every scoring function.

:func:`load` reads the ``result.json`` of each trial of one or more run directories (or a
frame exported earlier with :func:`export`). Current result files are flattened straight
from their JSON, without building a pydantic model per trial: a run of 100,000 trials
loads in seconds. Files of an older schema version are first upgraded through
:class:`~horizonbench.models.result.TrialResult`, so results written by earlier versions
still load.

The columns (see :data:`COLUMNS`) follow the contract of :mod:`horizonbench.scoring._frame`:
``task``, ``status``, ``family``, ``suite``, ``expert_minutes``, ``horizon_steps``,
``milestones_passed``/``milestones_total``/``furthest_milestone``, token and cost columns
(NaN for trials without an agent outcome), timings, and ``tags``/``flags`` as lists.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import orjson  # parsing 100k result files is most of loading; orjson does it ~4x faster
import pandas as pd
from pydantic import ValidationError

from horizonbench.errors import RunError
from horizonbench.models import RESULT_SCHEMA_VERSION, TrialResult
from horizonbench.results.columns import (
    COLUMNS,
    MTIME,
    OUTCOME_INT_COLUMNS,
    TIMING_COLUMNS,
    typed,
)


def result_files(run: Path) -> list[Path]:
    """The ``result.json`` of every finished trial of a run directory, sorted by trial id."""
    return [Path(p) for p in result_paths(run) if os.path.isfile(p)]


def records_to_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A results frame from trial results as dicts (the JSON of ``result.json``).

    Raises:
        RunError: a record is not a trial result, or one of an older schema cannot be upgraded.
    """
    rows = [_row(record, "<records>") for record in records]
    return _frame(rows)


def read_rows_with_mtimes(paths: list[str]) -> pd.DataFrame:
    """The frame of the result files at ``paths`` that exist, with each file's modification
    time in the index's :data:`~horizonbench.results.index.MTIME` column."""
    workers = min(os.cpu_count() or 1, len(paths) // _FILES_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _read_frame(paths)
    # Reading and parsing many small files is bound by the interpreter, not the disk: a pool
    # of forked processes (which inherit the loaded modules, so start in milliseconds) splits
    # the work, each building the frame of a contiguous share of the trials.
    size = -(-len(paths) // workers)
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(len(chunks), mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_read_frame, chunks))
    return pd.concat(parts, ignore_index=True)


_FILES_PER_WORKER = 5000
"""Runs with fewer result files than this per available CPU are read in one process."""


def result_paths(run: Path) -> list[str]:
    """Paths (as strings: cheaper than Path objects by the hundred thousand) of every trial's result file."""
    trials = os.path.join(run, "trials")
    if not os.path.isdir(trials):
        return []
    with os.scandir(trials) as entries:
        names = sorted(e.name for e in entries if e.is_dir())
    return [os.path.join(trials, name, "result.json") for name in names]


def _read_frame(paths: list[str]) -> pd.DataFrame:
    rows, mtimes = _read_rows(paths)
    df = _frame(rows)
    df[MTIME] = np.asarray(mtimes, dtype="int64")
    return df


def _read_rows(paths: list[str]) -> tuple[list[tuple[Any, ...]], list[int]]:
    """One row tuple per result file that exists (a trial still running has none yet), and
    each file's modification time."""
    rows = []
    mtimes = []
    for file in paths:
        try:
            with open(file, "rb") as fh:
                mtimes.append(os.fstat(fh.fileno()).st_mtime_ns)
                raw = fh.read()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise RunError(f"{file}: cannot read the trial result ({exc.strerror or exc})") from None
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise RunError(f"{file}: not valid JSON ({exc})") from None
        rows.append(_row(record, file))
    return rows, mtimes


def row(record: Any, where: str) -> tuple[Any, ...]:
    """One result record (the JSON of a result.json) as a row tuple of :data:`COLUMNS` values.

    Raises:
        RunError: it is not a trial result.
    """
    return _row(record, where)


def frame_of_rows(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The results frame of row tuples made by :func:`row`."""
    return _frame(rows)


def _row(record: Any, where: str) -> tuple[Any, ...]:
    """One result record flattened into a tuple of the :data:`COLUMNS` values, in order."""
    if not isinstance(record, dict) or "task" not in record or "status" not in record:
        raise RunError(f"{where}: not a trial result (no task or status)")
    if record.get("schema_version") != RESULT_SCHEMA_VERSION:
        record = _upgrade(record, where)
    get = record.get
    verdict = get("verdict") or _EMPTY
    outcome = get("outcome") or _EMPTY
    timings = get("timings") or _EMPTY
    milestones = verdict.get("milestones") or ()
    flags = list(get("flags") or ())
    for flag in verdict.get("flags") or ():
        if flag not in flags:
            flags.append(flag)
    out = outcome.get
    if outcome:
        spending: tuple[Any, ...] = (
            *(_number(out(name)) for name in OUTCOME_INT_COLUMNS),
            _number(out("cost_usd")),
            out("infra_error"),
        )
    else:
        spending = _NO_OUTCOME
    return (
        get("run_id"),
        get("trial_id"),
        get("suite") or "",
        record["task"],
        get("family") or "",
        get("agent"),
        get("model"),
        get("attempt", 0),
        record["status"],
        get("reward", 0.0),
        get("error"),
        get("error_kind"),
        verdict.get("detail") or get("error") or out("message") or "",
        verdict.get("grader"),
        verdict.get("mode"),
        verdict.get("resolution"),
        get("difficulty"),
        list(get("tags") or ()),
        _number(get("expert_minutes")),
        get("task_created"),
        get("variant_of"),
        _number(get("horizon_steps")),
        sum(1 for m in milestones if m.get("passed")),
        len(milestones),
        verdict.get("furthest_milestone", -1),
        out("status"),
        out("limit"),
        *spending,
        *(_number(timings.get(name)) for name in TIMING_COLUMNS),
        get("started_at") or "",
        get("finished_at") or "",
        get("image") or "",
        get("task_hash") or "",
        flags,
        len(flags),
        get("schema_version"),
    )


_NO_OUTCOME: tuple[Any, ...] = (*(math.nan for _ in OUTCOME_INT_COLUMNS), math.nan, None)
_EMPTY: dict[str, Any] = {}


def _upgrade(record: dict[str, Any], where: str) -> dict[str, Any]:
    """A record of another schema version, read through the model (which migrates old fields)."""
    try:
        return TrialResult.model_validate(record).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise RunError(f"{where}: {field}: {first['msg']}") from None


def _number(value: Any) -> float:
    if value.__class__ is float:
        return value
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The frame of row tuples, each column built with its dtype (no type inference)."""
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    data: dict[str, Any] = {}
    for values, (name, dtype) in zip(columns, COLUMNS.items(), strict=True):
        if dtype in ("float64", "int64"):
            data[name] = np.fromiter((math.nan if v is None else v for v in values), dtype=float, count=n)
        elif dtype == "object":
            column = np.empty(n, dtype=object)
            for i, value in enumerate(values):
                column[i] = value
            data[name] = column
        elif dtype == "boolean":
            data[name] = pd.array(list(values), dtype="boolean")
        else:
            data[name] = pd.array(list(values), dtype="str")
    return typed(pd.DataFrame(data), exported=False)
