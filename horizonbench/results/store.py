"""The results directory: atomic writes, so nothing half-written is ever read.

```
results/<run-id>/run.json
results/<run-id>/trials/<trial-id>/{result.json, agent.log, verifier.log, agent.diff, trajectory.jsonl}
```
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from horizonbench.errors import RunError
from horizonbench.models import RunManifest, TrialResult
from horizonbench.redact import Redactor

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_id(value: str, what: str = "run id") -> str:
    if not _ID_RE.match(value):
        raise RunError(f"bad {what} {value!r}: use letters, digits, '.', '_' and '-' (at most 128)")
    return value


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write a file so readers see either the old content or all of the new.

    Raises:
        RunError: the directory is not writable or the disk is full (nothing is left half-written).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_redacted(path: Path, text: str, redactor: Redactor | None = None) -> None:
    """The one way a results file is written: secrets replaced by ``[REDACTED]``, then
    written atomically. Everything under a trial directory goes through here (or, for the
    streamed trajectory, through the same :class:`~horizonbench.redact.Redactor`).

    Raises:
        RunError: the directory is not writable or the disk is full.
    """
    atomic_write(path, (redactor or Redactor())(text))


class RunDir:
    """One run's directory."""

    def __init__(self, root: Path | str, run_id: str) -> None:
        self.run_id = check_id(run_id)
        self.path = Path(root) / run_id

    @property
    def manifest_path(self) -> Path:
        return self.path / "run.json"

    def trial_dir(self, trial_id: str) -> Path:
        return self.path / "trials" / trial_id

    def read_manifest(self) -> RunManifest | None:
        if not self.manifest_path.is_file():
            return None
        try:
            return RunManifest.model_validate_json(self.manifest_path.read_text())
        except ValidationError as exc:
            raise RunError(
                f"{self.manifest_path}: not a horizonbench run manifest ({exc.errors()[0]['msg']})"
            ) from None

    def write_manifest(self, manifest: RunManifest) -> None:
        atomic_write(self.manifest_path, manifest.model_dump_json(indent=2))

    def write_result(self, result: TrialResult) -> None:
        write_redacted(self.trial_dir(result.trial_id) / "result.json", result.model_dump_json(indent=2))

    def read_result(self, trial_id: str) -> TrialResult | None:
        path = self.trial_dir(trial_id) / "result.json"
        if not path.is_file():
            return None
        return TrialResult.model_validate_json(path.read_text())

    def results(self) -> Iterator[TrialResult]:
        trials = self.path / "trials"
        if not trials.is_dir():
            return
        for d in sorted(trials.iterdir()):
            if (d / "result.json").is_file():
                yield TrialResult.model_validate_json((d / "result.json").read_text())


def find_run(path: Path | str) -> RunDir:
    """A run directory given as a path (``results/my-run``).

    Raises:
        RunError: the path holds no run.json.
    """
    p = Path(path)
    if not (p / "run.json").is_file():
        raise RunError(f"{p}: not a run directory (no run.json); give results/<run-id>")
    return RunDir(p.parent, p.name)


def dump_json(obj: object) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, default=str)
