"""Where SWE-bench instances come from: a local file, or a dataset by name.

Local files work offline: JSON lines or a JSON array (``.jsonl`` / ``.json``), Parquet
(``.parquet``, as the Hugging Face Hub serves SWE-bench) and Arrow (``.arrow``, as the
``datasets`` library caches it: an IPC stream, or an IPC file). A dataset by name
(``princeton-nlp/SWE-bench_Lite``) goes through the ``datasets`` library, which needs the
Hub or its own cache.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from horizonbench.errors import TaskError

SUFFIXES = (".jsonl", ".json", ".parquet", ".arrow")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Objects of a JSON-lines file (a JSON array is accepted too).

    Raises:
        TaskError: the file is missing or a line is not a JSON object (naming file and line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaskError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TaskError(f"{path}: invalid JSON ({exc.msg}, line {exc.lineno})") from None
        items = list(enumerate(rows, 1))
    else:
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise TaskError(f"{path}:{n}: invalid JSON ({exc.msg})") from None
    for n, row in items:
        if not isinstance(row, dict):
            raise TaskError(f"{path}:{n}: expected a JSON object, got {type(row).__name__}")
    return [row for _, row in items]


def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a Parquet or Arrow file as plain Python objects (lists, not arrays).

    Raises:
        TaskError: the file cannot be read as its suffix says.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if path.suffix == ".parquet":
            table = pq.read_table(path)
        else:
            try:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_stream(source).read_all()
            except pa.ArrowInvalid:
                with pa.memory_map(str(path)) as source:
                    table = pa.ipc.open_file(source).read_all()
    except OSError as exc:
        raise TaskError(f"{path}: cannot read ({exc})") from None
    except pa.ArrowException as exc:
        kind = "Parquet" if path.suffix == ".parquet" else "Arrow IPC"
        raise TaskError(f"{path}: not a {kind} file ({str(exc).splitlines()[0][:200]})") from None
    return [dict(row) for row in table.to_pylist()]


def read_instances_file(path: Path) -> list[dict[str, Any]]:
    """SWE-bench instances of a local file, by its suffix.

    Raises:
        TaskError: no such file, an unknown suffix, or content that is not rows of objects.
    """
    if not path.is_file():
        raise TaskError(f"{path}: no such file (give a .jsonl, .json, .parquet or .arrow file, or --dataset NAME)")
    if path.suffix in (".parquet", ".arrow"):
        return read_table(path)
    if path.suffix in (".jsonl", ".json", ""):
        return read_jsonl(path)
    raise TaskError(f"{path}: unknown instance file type {path.suffix!r} (use one of {', '.join(SUFFIXES)})")


def load_dataset_rows(name: str, split: str) -> list[dict[str, Any]]:
    """A split of a dataset by name through the ``datasets`` library (the Hub, or its cache).

    Raises:
        TaskError: the library cannot load it (offline, unknown name or split), naming the
            way to import offline.
    """
    try:
        import datasets
    except ImportError:  # pragma: no cover - a dependency of swebench
        raise TaskError("--dataset needs the datasets package (pip install datasets)") from None
    try:
        rows = datasets.load_dataset(name, split=split)
    except Exception as exc:
        why = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise TaskError(
            f"--dataset {name} --split {split}: cannot load it ({why}); offline, download its .parquet "
            "where the Hub answers and pass the file instead"
        ) from None
    return [dict(row) for row in rows]
