"""The runs a viewer shows: each run directory, its manifest, and its trials table.

The trials table is read from the run's columnar index (:mod:`horizonbench.results.index`),
only the columns the viewer shows, never from the result files: a run of 100,000 trials
opens in a fraction of a second. A run still going (its index not sealed) is reconciled with
its result files on every page, so it shows trials as they finish.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from horizonbench.errors import RunError
from horizonbench.models import RunManifest
from horizonbench.results.columns import MTIME
from horizonbench.results.index import INDEX_DIR, SEALED, index_run, is_sealed, read_index

log = logging.getLogger(__name__)

TABLE_COLUMNS = (
    "trial_id",
    "suite",
    "task",
    "family",
    "agent",
    "model",
    "attempt",
    "status",
    "reward",
    "error_kind",
    "detail",
    "outcome_status",
    "limit",
    "steps",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "cost_usd",
    "total_s",
    "flags",
    "n_flags",
)
"""The columns of the index the viewer reads (of :data:`horizonbench.results.columns.COLUMNS`)."""

FLAG_SEP = "\x1f"
"""Flags of a trial are held as one string, each flag between two of these (never in a flag)."""

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class Run:
    """One run directory as the viewer sees it."""

    key: str
    """The run's name in URLs: its directory name, made unique among the runs shown."""
    path: Path
    manifest: RunManifest | None
    raw_manifest: dict[str, Any] = field(default_factory=dict)
    """run.json as JSON, for manifests this version cannot read (shown as they are)."""
    _table: pd.DataFrame | None = field(default=None, repr=False)
    _stamp: tuple[Any, ...] | None = field(default=None, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return self.manifest.run_id if self.manifest else str(self.raw_manifest.get("run_id") or self.path.name)

    def trial_dir(self, trial_id: str) -> Path:
        """The directory of one trial.

        Raises:
            RunError: ``trial_id`` is not a plain name (it would reach outside the run).
        """
        if not trial_id or trial_id.startswith(".") or any(c in trial_id for c in "/\\\0"):
            raise RunError(f"bad trial id {trial_id!r}")
        return self.path / "trials" / trial_id

    def table(self) -> pd.DataFrame:
        """The trials table (:data:`TABLE_COLUMNS`, ``flags`` as a joined string, a ``key``
        column naming the task as scoring does), kept until the run's index changes."""
        stamp = _index_stamp(self.path)
        if self._table is None or stamp is None or stamp != self._stamp:
            self._table = read_table(self.path)
            self._stamp = _index_stamp(self.path)
        return self._table

    def derived(self, name: str, compute: Callable[[pd.DataFrame], Any]) -> Any:
        """``compute(table)``, computed once per version of the table (figures, menus)."""
        table = self.table()
        if self._memo.get("") is not table:
            self._memo = {"": table}
        if name not in self._memo:
            self._memo[name] = compute(table)
        return self._memo[name]

    def task_path(self, task: str) -> Path | None:
        """The task directory the run recorded for ``task``, if the manifest names one."""
        if self.manifest is None:
            return None
        for entry in self.manifest.config.tasks:
            if entry.name == task:
                return Path(entry.path)
        return None


def _is_run(path: Path) -> bool:
    return path.is_dir() and ((path / "run.json").is_file() or (path / "trials").is_dir())


def _expand(paths: list[Path]) -> list[Path]:
    """Run directories, and the run directories inside a results directory (``results/``)."""
    out = []
    for path in map(Path, paths):
        inside = sorted(p for p in path.iterdir() if _is_run(p)) if path.is_dir() and not _is_run(path) else []
        if not inside and not _is_run(path):
            raise RunError(f"{path}: not a run directory (no run.json) and holds none; give results/<run-id>")
        out += inside or [path]
    return out


def open_runs(paths: list[Path]) -> list[Run]:
    """The runs at ``paths`` (run directories, or results directories holding them), each
    with a unique key.

    Raises:
        RunError: a path is neither a run directory nor holds one, or a run.json is not JSON.
    """
    runs: list[Run] = []
    seen: set[str] = set()
    for path in _expand(paths):
        key = base = _SAFE.sub("-", path.resolve().name) or "run"
        n = 2
        while key in seen:
            key, n = f"{base}-{n}", n + 1
        seen.add(key)
        manifest, raw = _read_manifest(path)
        runs.append(Run(key=key, path=path, manifest=manifest, raw_manifest=raw))
    return runs


def _read_manifest(path: Path) -> tuple[RunManifest | None, dict[str, Any]]:
    file = path / "run.json"
    if not file.is_file():
        return None, {}
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"{file}: not a run manifest ({exc})") from None
    try:
        return RunManifest.model_validate(raw), raw
    except ValidationError:
        log.debug("%s: not a manifest of this version; shown as it is", file)
        return None, raw if isinstance(raw, dict) else {}


def _index_stamp(run: Path) -> tuple[Any, ...] | None:
    """What changes when a sealed index does: its seal and part files. None for an index
    that is not sealed: a run still going is read afresh on every page."""
    if not is_sealed(run):
        return None
    index = run / INDEX_DIR
    try:
        return (os.stat(index / SEALED).st_mtime_ns, tuple(sorted(p.name for p in index.glob("part-*.parquet"))))
    except OSError:
        return None


def read_table(run: Path) -> pd.DataFrame:
    """The trials table of a run, from its index.

    A sealed index is read as it is, only the table's columns. An index that is not sealed
    (a run still going, or killed) is brought up to date with the result files in memory and
    left as it is: the viewer never seals the index of a run that may still be writing it. A
    run without an index gets one (where the directory is writable).

    Raises:
        RunError: a result file cannot be read.
    """
    if not is_sealed(run):
        df = read_index(run, reconcile=True)
        if df is not None:
            return _with_keys(_joined_flags_frame(df))
        try:
            index_run(run)
        except RunError as exc:  # a read-only directory: load what is there in memory
            log.info("%s: %s; reading the run in memory", run, exc)
            from horizonbench.results import load

            return _with_keys(_joined_flags_frame(load(run)))
    parts = sorted((run / INDEX_DIR).glob("part-*.parquet"))
    if not parts:
        return _with_keys(_joined_flags_frame(pd.DataFrame({c: [] for c in TABLE_COLUMNS})))
    return _with_keys(_read_parts(parts))


def _read_parts(parts: list[Path]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    tables = []
    for part in parts:
        table = pq.read_table(part, columns=[*TABLE_COLUMNS, MTIME])
        # The flags list as one string per row: filtering a flag is then a string match,
        # and no Python list is built per trial.
        flags = pc.binary_join(table.column("flags").cast(pa.list_(pa.string())), FLAG_SEP)
        flags = pc.binary_join_element_wise(FLAG_SEP, pc.fill_null(flags, ""), FLAG_SEP, "")
        tables.append(table.set_column(table.column_names.index("flags"), "flags", flags))
    df = (tables[0] if len(tables) == 1 else pa.concat_tables(tables)).to_pandas()
    if len(parts) > 1:
        df = df.drop_duplicates("trial_id", keep="last")
    return df.drop(columns=[MTIME]).sort_values("trial_id", kind="stable").reset_index(drop=True)


def _joined_flags_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.loc[:, [c for c in TABLE_COLUMNS if c in df.columns]].copy()
    out["flags"] = [FLAG_SEP + FLAG_SEP.join(v) + FLAG_SEP if len(v) else "" for v in out.get("flags", [])]
    return out


def _with_keys(df: pd.DataFrame) -> pd.DataFrame:
    suite = df["suite"].fillna("").astype(str) if "suite" in df.columns else ""
    df["key"] = suite + "/" + df["task"].astype(str)
    return df


def flag_list(joined: str) -> list[str]:
    """The flags of a table row's ``flags`` string."""
    return [f for f in str(joined).split(FLAG_SEP) if f]
