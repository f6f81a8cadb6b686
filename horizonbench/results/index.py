"""A run's columnar index: its results frame in Parquet, kept beside the result files.

``results/<run>/index/`` holds Parquet parts appended while a run goes (a part every few
hundred trials or seconds), compacted into one file when the run ends, and ``sealed.json``
then: the number of rows and the modification time of ``trials/`` at that moment. A sealed
index whose ``trials/`` has not changed since is read as it is, without touching a single
result file: a million trials over 20 runs load in seconds.

An index that is not sealed (a run still going, or killed) or whose ``trials/`` changed
(a trial added, removed or rerun: a rerun replaces its trial directory) is reconciled: each
result file's modification time is compared with the one recorded, and only the files that
are new or changed are read. A run without an index gets one the first time it is loaded
(where the directory is writable). The result files stay the source of truth: an index can
always be rebuilt from them (``horizonbench results index RUN --rebuild``). One limit: a
result.json edited by hand inside its trial directory, after the index was sealed, is not
noticed until the index is rebuilt.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from horizonbench.errors import RunError
from horizonbench.results.columns import MTIME

if TYPE_CHECKING:
    import pandas as pd

    from horizonbench.models import TrialResult

log = logging.getLogger(__name__)

INDEX_DIR = "index"
SEALED = "sealed.json"
INDEX_VERSION = "1"
FLUSH_ROWS = 500
FLUSH_SECONDS = 10.0


def _trials_mtime(run: Path) -> int:
    try:
        return os.stat(run / "trials").st_mtime_ns
    except FileNotFoundError:
        return 0


def _write_part(index_dir: Path, df: pd.DataFrame, name: str | None = None) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    final = index_dir / (name or f"part-{time.time_ns():020d}-{os.getpid()}.parquet")
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".part-", suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, final)  # readers see a whole part or none
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return final


class IndexWriter:
    """Appends the results of a running run to its index; :meth:`close` compacts and seals it.

    Failures to write the index are logged, never raised: the result files are what a run
    must not lose, and a missing index is rebuilt from them.
    """

    def __init__(self, run: Path) -> None:
        self.run = Path(run)
        self.dir = self.run / INDEX_DIR
        self._rows: list[tuple[tuple[Any, ...], int]] = []
        self._last = time.monotonic()
        try:
            (self.dir / SEALED).unlink(missing_ok=True)  # appending unseals it
        except OSError as exc:
            log.warning("cannot update the index of %s (%s); it will be rebuilt when loaded", self.run, exc)

    def add(self, result: TrialResult) -> None:
        from horizonbench.results.frame import row

        path = self.run / "trials" / result.trial_id / "result.json"
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            return  # nothing on disk to index
        self._rows.append((row(result.model_dump(mode="json"), str(path)), mtime))
        if len(self._rows) >= FLUSH_ROWS or time.monotonic() - self._last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        from horizonbench.results.frame import frame_of_rows

        self._last = time.monotonic()
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        try:
            df = frame_of_rows([r for r, _ in rows])
            df[MTIME] = [m for _, m in rows]
            _write_part(self.dir, df)
        except (OSError, ValueError) as exc:
            log.warning("cannot append to the index of %s (%s); it will be rebuilt when loaded", self.run, exc)

    def close(self) -> None:
        """Flush, compact the parts into one file and seal the index."""
        self.flush()
        try:
            df = read_index(self.run, reconcile=True)
            if df is not None:
                write_index(self.run, df)
        except (OSError, ValueError, RunError) as exc:
            log.warning("cannot compact the index of %s (%s); it will be rebuilt when loaded", self.run, exc)

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_index(run: Path, df: pd.DataFrame) -> None:
    """Replace the run's index by ``df`` (with its :data:`MTIME` column) and seal it."""
    index_dir = Path(run) / INDEX_DIR
    stamp = _trials_mtime(Path(run))
    old = sorted(index_dir.glob("part-*.parquet")) if index_dir.is_dir() else []
    _write_part(index_dir, df, name=f"part-{time.time_ns():020d}-{os.getpid()}-all.parquet")
    for part in old:
        part.unlink(missing_ok=True)
    seal = {"version": INDEX_VERSION, "rows": len(df), "trials_mtime_ns": stamp}
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".sealed-", suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(seal, fh)
    os.replace(tmp, index_dir / SEALED)


def is_sealed(run: Path) -> bool:
    """The index was sealed and ``trials/`` has not changed since."""
    try:
        seal = json.loads((Path(run) / INDEX_DIR / SEALED).read_text())
    except (OSError, ValueError):
        return False
    return seal.get("version") == INDEX_VERSION and seal.get("trials_mtime_ns") == _trials_mtime(Path(run))


def _read_part(path: Path) -> pd.DataFrame:
    """A part as a results frame, every column of its dtype."""
    import pyarrow.parquet as pq

    from horizonbench.results.columns import LIST_COLUMNS, matches_contract, typed

    table = pq.read_table(path)
    lists = {c: _list_column(table.column(c)) for c in LIST_COLUMNS if c in table.column_names}
    df = table.drop_columns(list(lists)).to_pandas()
    for name, values in lists.items():
        df[name] = values
    return df if matches_contract(df) else typed(df, exported=False)


_SEP = "\x1f"  # the unit separator: never in a tag or a flag


def _list_column(column: Any) -> Any:
    """A list-of-strings column as an object array of Python lists, built per distinct list
    (a run has a handful of tag and flag combinations, and a million rows): rows with equal
    lists share one list object, which is read-only data here."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    # All-empty lists are stored as list<null>: make them lists of strings first.
    joined = pc.binary_join(column.cast(pa.list_(pa.string())), _SEP).to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(joined, use_na_sentinel=False)
    distinct = np.empty(len(uniques), dtype=object)
    for i, text in enumerate(uniques):
        distinct[i] = text.split(_SEP) if isinstance(text, str) and text else []
    return distinct[codes]


def _read_parts(run: Path) -> pd.DataFrame | None:
    import pandas as pd

    parts = sorted((Path(run) / INDEX_DIR).glob("part-*.parquet"))
    if not parts:
        return None
    try:
        frames = [_read_part(p) for p in parts]
    except (OSError, ValueError) as exc:
        log.warning("the index of %s is unreadable (%s); reading the result files", run, exc)
        return None
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if MTIME not in df.columns or "trial_id" not in df.columns:
        return None
    # Parts are named in the order they were written: a trial's last row is its newest result.
    return df.drop_duplicates("trial_id", keep="last")


def read_index(run: Path, *, reconcile: bool = True) -> pd.DataFrame | None:
    """The run's index as a frame (with :data:`MTIME`), brought up to date with the result
    files unless it is sealed; None when the run has no index."""
    df = _read_parts(run)
    if df is None or not reconcile or is_sealed(run):
        return df
    return _reconciled(Path(run), df)


def _reconciled(run: Path, df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    from horizonbench.results.frame import read_rows_with_mtimes, result_paths

    known = dict(zip(df["trial_id"], df[MTIME], strict=True))
    keep: set[str] = set()
    changed: list[str] = []
    for path in result_paths(run):
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            continue  # a trial still running
        trial = os.path.basename(os.path.dirname(path))
        if known.get(trial) == mtime:
            keep.add(trial)
        else:
            changed.append(path)
    fresh = read_rows_with_mtimes(changed)
    out = (
        pd.concat([df[df["trial_id"].isin(keep)], fresh], ignore_index=True)
        if len(fresh)
        else df[df["trial_id"].isin(keep)]
    )
    return out.sort_values("trial_id", kind="stable").reset_index(drop=True)


def load_run(run: Path) -> pd.DataFrame:
    """The results frame of a run directory, through its index (built where missing)."""
    from horizonbench.results.frame import read_rows_with_mtimes, result_paths

    df = read_index(run)
    if df is None:
        df = read_rows_with_mtimes(result_paths(run))
        try:
            write_index(run, df)
        except OSError as exc:  # a read-only results directory still loads
            log.debug("not indexing %s: %s", run, exc)
    return df.drop(columns=[MTIME]).reset_index(drop=True)


def index_run(run: Path | str, *, rebuild: bool = False) -> tuple[int, str]:
    """Rebuild (or reconcile) a run's index and seal it; returns its rows and what was done.

    Raises:
        RunError: ``run`` is not a run directory, or its index cannot be written.
    """
    from horizonbench.results.frame import read_rows_with_mtimes, result_paths

    path = Path(run)
    if not (path / "run.json").is_file() and not (path / "trials").is_dir():
        raise RunError(f"{path}: not a run directory (no run.json); give results/<run-id>")
    sealed = is_sealed(path)
    df = None if rebuild else read_index(path)
    how = "already sealed" if sealed and df is not None else "reconciled"
    if df is None:
        df, how = read_rows_with_mtimes(result_paths(path)), "rebuilt from the result files"
    try:
        write_index(path, df)
    except OSError as exc:
        raise RunError(f"cannot write the index of {path}: {exc.strerror or exc}") from None
    return len(df), how
