"""Loading results into the one results frame, and exporting it.

:func:`load` takes run directories (read through their index, see
:mod:`horizonbench.results.index`) and frames exported earlier with :func:`export`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from horizonbench.errors import RunError
from horizonbench.results.columns import LIST_COLUMNS, as_list, typed
from horizonbench.results.index import load_run


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


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, keep_default_na=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RunError(f"{path}: cannot read the exported frame ({type(exc).__name__}: {exc})") from None
