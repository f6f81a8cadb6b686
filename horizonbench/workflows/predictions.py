"""Grading SWE-bench-format predictions without running an agent.

Each prediction (``instance_id``, ``model_name_or_path``, ``model_patch``) is graded
exactly like an agent's diff: :func:`horizonbench.grading.grade.grade` applies it to a
fresh container of the task's image, restores protected paths, copies the hidden tests
in and runs them. That re-checks the patches a vendor published against the numbers it
reported. A patch that does not apply is reported as ``not applied``, never as a failure
of the tests.

```
results/<run-id>/predictions.json                     summary and one entry per prediction
results/<run-id>/predictions/<instance>__<model>/     model.patch, verifier.log
```
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from horizonbench.errors import EvalScriptError, HorizonError, ImageBuildError, ImageMissing, TaskError
from horizonbench.grading import grade as verifier
from horizonbench.models.image import ImagePolicy
from horizonbench.models.predictions import (
    PREDICTION_STATUSES,
    Prediction,
    PredictionResult,
    PredictionsFile,
    PredictionStatus,
)
from horizonbench.models.soundness import Outcome, Soundness
from horizonbench.results.store import atomic_write, check_id
from horizonbench.sandbox import images, reaper
from horizonbench.tasks import soundness
from horizonbench.tasks.loader import Task, load_tasks
from horizonbench.tasks.swebench_io import read_jsonl

log = logging.getLogger(__name__)


@dataclass
class PredictionsReport:
    run_id: str
    path: Path
    results: list[PredictionResult]

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    def line(self) -> str:
        c = self.counts
        parts = ", ".join(f"{c[s]} {s}" for s in PREDICTION_STATUSES)
        return f"{len(self.results)} prediction(s): {parts}; report in {self.path / 'predictions.json'}"


def read_predictions(path: Path) -> list[Prediction]:
    """Predictions of a JSON-lines file (a JSON array, or SWE-bench's ``{id: prediction}``
    object, is accepted too).

    Raises:
        TaskError: the file is unreadable or a prediction lacks ``instance_id`` (naming file and line).
    """
    if not path.is_file():
        raise TaskError(f"{path}: predictions file not found")
    rows: list[dict[str, Any]]
    try:
        whole = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        whole = None
    if isinstance(whole, dict):  # one prediction, or SWE-bench's {instance_id: prediction}
        rows = [whole] if "instance_id" in whole else [v for v in whole.values() if isinstance(v, dict)]
    else:
        rows = read_jsonl(path)
    preds = []
    for n, row in enumerate(rows, 1):
        if not row.get("instance_id"):
            raise TaskError(f"{path}: prediction {n}: instance_id is missing")
        patch = row.get("model_patch")
        if patch is not None and not isinstance(patch, str):
            raise TaskError(f"{path}: prediction {n} ({row['instance_id']}): model_patch is not a string")
        preds.append(
            Prediction(
                instance_id=str(row["instance_id"]),
                model=str(row.get("model_name_or_path") or "model"),
                patch=patch or "",
            )
        )
    return preds


def _task_index(tasks: Sequence[Task]) -> dict[str, Task]:
    index: dict[str, Task] = {}
    for t in tasks:
        index[t.name] = t
        iid = t.config.metadata.model_dump().get("swebench_instance_id")
        if iid:
            index[str(iid)] = t
    return index


def score_predictions(
    predictions_file: Path,
    suites: Sequence[Path],
    results_root: Path,
    run_id: str,
    concurrency: int = 2,
    image_policy: ImagePolicy | None = None,
) -> PredictionsReport:
    """Grade every prediction in fresh mode and write the report. ``image_policy`` maps
    stand-ins and forces builds, as for a run.

    Raises:
        TaskError: the predictions file or a suite cannot be read.
    """
    check_id(run_id)
    preds = read_predictions(predictions_file)
    tasks, _ = load_tasks(suites)
    index = _task_index(tasks)
    run_dir = results_root / run_id
    reaper.prune()

    wanted = {index[p.instance_id].name: index[p.instance_id] for p in preds if p.instance_id in index}
    sound: dict[str, Soundness] = {}

    def one(pred: Prediction) -> PredictionResult:
        task = index.get(pred.instance_id)
        if task is None:
            return PredictionResult(
                instance_id=pred.instance_id, model=pred.model, status="error", detail="no task with this instance_id"
            )
        record = sound.get(task.name)
        if record is not None and not record.sound:
            # Soundness first: where the gold patch does not resolve the instance here, no
            # prediction's outcome says anything about the model.
            kind = "environment" if not record.infrastructure_error else "soundness check"
            return PredictionResult(
                instance_id=pred.instance_id, model=pred.model, status="error", error_kind=kind, detail=record.reason()
            )
        return grade_prediction(task, pred, run_dir, run_id, image_policy=image_policy)

    try:
        with ThreadPoolExecutor(max(1, concurrency)) as pool:
            checked = pool.map(lambda t: soundness_of(t, run_dir, run_id, image_policy), wanted.values())
            sound.update(zip(wanted, checked, strict=True))
            results = list(pool.map(one, preds))
    finally:
        reaper.remove_own(run_id)
    report = PredictionsReport(run_id, run_dir, results)
    written = PredictionsFile.of(run_id, str(predictions_file), results, sound)
    atomic_write(run_dir / "predictions.json", written.model_dump_json(indent=2))
    return report


def soundness_of(task: Task, run_dir: Path, run_id: str, image_policy: ImagePolicy | None = None) -> Soundness:
    """The task's soundness: from the cache (``tasks check`` wrote it for this content), else
    checked now by grading its gold patch and the unchanged repository, and cached."""
    known = soundness.cached(task)
    if known is not None:
        return known
    gold_patch = task.solution_dir / "patch.diff"
    folder = run_dir / "soundness" / task.name
    if not gold_patch.is_file():
        return Soundness(
            task=task.name,
            content_hash=task.content_hash(),
            gold="error",
            noop="error",
            gold_detail=f"{task.path}: solution/patch.diff is missing, so its soundness cannot be checked",
            checked_by="score-predictions",
        )
    gold_pred = Prediction(instance_id=task.name, model="gold", patch=gold_patch.read_text())
    gold = grade_prediction(task, gold_pred, folder, run_id, image_policy=image_policy)
    noop_pred = Prediction(instance_id=task.name, model="noop", patch="")
    noop = grade_prediction(task, noop_pred, folder, run_id, run_empty=True, image_policy=image_policy)
    log.info("%s: gold %s, no-op %s", task.name, gold.status, noop.status)
    record = Soundness(
        task=task.name,
        content_hash=task.content_hash(),
        gold=_OUTCOME[gold.status],
        noop=_OUTCOME[noop.status],
        gold_detail=gold.detail,
        noop_detail=noop.detail,
        checked_by="score-predictions",
    )
    return soundness.store(record, folder / "predictions" / f"{task.name}__gold" / "verifier.log")


_OUTCOME: dict[str, Outcome] = {
    "resolved": "passed",
    "not resolved": "failed",
    "empty patch": "failed",
    "not applied": "not applied",
    "error": "error",
}


def grade_prediction(
    task: Task,
    pred: Prediction,
    run_dir: Path,
    run_id: str,
    run_empty: bool = False,
    image_policy: ImagePolicy | None = None,
) -> PredictionResult:
    """Grade one prediction; infrastructure problems become ``error`` results."""
    safe_model = "".join(c if c.isalnum() or c in "._-" else "-" for c in pred.model)
    out = run_dir / "predictions" / f"{task.name}__{safe_model}"
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "model.patch", pred.patch)
    if task.grading_mode != "fresh":
        return PredictionResult(
            instance_id=pred.instance_id, model=pred.model, status="error", detail="task is not graded in fresh mode"
        )
    if not pred.patch.strip() and not run_empty:
        return PredictionResult(
            instance_id=pred.instance_id, model=pred.model, status="empty patch", detail="model_patch is empty"
        )
    labels = {reaper.LABEL_RUN: run_id, reaper.LABEL_TRIAL: out.name}
    try:
        image = images.ensure(task, policy=image_policy)
        verdict, _ = verifier.grade(task, image, None, pred.patch, out, labels)
    except (HorizonError, docker.errors.DockerException) as exc:
        if isinstance(exc, ImageBuildError | ImageMissing):
            kind = "image"
        else:  # an eval script that ran no test is the verifier's failing, like a sandbox's
            kind = "verifier" if isinstance(exc, EvalScriptError) else "sandbox"
        return PredictionResult(
            instance_id=pred.instance_id,
            model=pred.model,
            status="error",
            error_kind=kind,
            detail=str(exc).splitlines()[0][:300],
        )
    status: PredictionStatus
    if "patch_failed" in verdict.flags:
        status = "not applied"
    else:
        status = "resolved" if verdict.status == "passed" else "not resolved"
    log.info("%s (%s): %s", pred.instance_id, pred.model, status)
    return PredictionResult(
        instance_id=pred.instance_id,
        model=pred.model,
        status=status,
        resolution=verdict.resolution,
        patch_method=verdict.patch_method,
        detail=verdict.detail,
        flags=list(verdict.flags),
        tests=verdict.tests,
    )
