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

import json
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
    LIST_COLUMNS,
    OUTCOME_INT_COLUMNS,
    TIMING_COLUMNS,
    as_list,
    typed,
)
from horizonbench.results.index import MTIME, load_run


def load(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """One row per trial of the given run directories or exported frames (``.parquet``, ``.csv``).

    Rows keep the order of ``paths``, then of trial ids within a run.

    Raises:
        RunError: a path is neither a run directory (one holding ``run.json`` or ``trials/``)
            nor an exported frame, or a result file is not valid JSON or not a trial result
            (the message names the file).
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise RunError("no results given: name a run directory (results/<run-id>) or an exported frame")
    frames = [_load_one(Path(p)) for p in items]
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def export(df: pd.DataFrame, *, parquet: str | Path | None = None, csv: str | Path | None = None) -> list[Path]:
    """Write a results frame to Parquet and/or CSV; returns the files written.

    In CSV, the list columns (``tags``, ``flags``) are written as JSON arrays, which
    :func:`load` reads back into lists.

    Raises:
        RunError: neither file is given, or a file cannot be written.
    """
    if parquet is None and csv is None:
        raise RunError("nothing to export: give --parquet FILE and/or --csv FILE")
    written = []
    try:
        if parquet is not None:
            Path(parquet).parent.mkdir(parents=True, exist_ok=True)
            df.to_parquet(parquet, index=False)
            written.append(Path(parquet))
        if csv is not None:
            Path(csv).parent.mkdir(parents=True, exist_ok=True)
            flat = df.copy()
            for column in LIST_COLUMNS:
                if column in flat.columns:
                    flat[column] = flat[column].map(lambda v: json.dumps(as_list(v)))
            flat.to_csv(csv, index=False)
            written.append(Path(csv))
    except OSError as exc:
        raise RunError(f"cannot write the export: {exc.strerror or exc}") from None
    return written


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


def _load_one(path: Path) -> pd.DataFrame:
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            try:
                return typed(pd.read_parquet(path), exported=True)
            except (OSError, ValueError) as exc:
                raise RunError(f"{path}: cannot read the exported frame ({type(exc).__name__}: {exc})") from None
        if suffix == ".csv":
            return typed(_read_csv(path), exported=True)
        raise RunError(f"{path}: not a run directory or an exported frame (.parquet or .csv)")
    if not path.is_dir() or not ((path / "run.json").is_file() or (path / "trials").is_dir()):
        raise RunError(f"{path}: not a run directory (no run.json); give results/<run-id>")
    return load_run(path)


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


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, keep_default_na=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RunError(f"{path}: cannot read the exported frame ({type(exc).__name__}: {exc})") from None
