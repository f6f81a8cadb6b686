"""The soundness cache: one record per task content hash, with its gold attempt's log.

``tasks check`` writes a record for every task it checks; ``score-predictions`` reads
it (and checks on demand where there is none); a run reads it so that an instance whose
gold patch does not resolve is booked as an environment error, not as the agent's
failure. The key is the task's content hash, so an edited task is checked again.

``$HORIZONBENCH_CACHE/soundness/<hash>.json`` (default ``~/.cache/horizonbench``), and
``<hash>.gold.log`` beside it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import ValidationError

from horizonbench.models.soundness import Soundness
from horizonbench.tasks.loader import Task

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    root = Path(os.environ.get("HORIZONBENCH_CACHE", Path.home() / ".cache" / "horizonbench"))
    return root / "soundness"


def _path(content_hash: str) -> Path:
    return cache_dir() / f"{content_hash}.json"


def cached(task: Task) -> Soundness | None:
    """The record of this exact task content, or None (never checked, or unreadable)."""
    path = _path(task.content_hash())
    try:
        return Soundness.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:
        log.warning("%s: unreadable soundness record, checking again (%s)", path, str(exc).splitlines()[0])
        return None


def store(record: Soundness, gold_log: Path | None = None) -> Soundness:
    """Keep ``record`` (a record of an infrastructure error is not kept: it proves nothing),
    with a copy of the gold attempt's verifier log. Returns the record as stored."""
    if record.infrastructure_error:
        return record
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if gold_log is not None and gold_log.is_file():
        kept = folder / f"{record.content_hash}.gold.log"
        shutil.copyfile(gold_log, kept)
        record = record.model_copy(update={"gold_log": str(kept)})
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".sound-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(record.model_dump_json(indent=1))
    os.replace(tmp, _path(record.content_hash))
    return record
