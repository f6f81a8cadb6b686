"""Claims that require the subject's endpoint to be the one the vendor serves (``endpoint_reference``
in claims.toml): each subject run's fingerprint (run.json ``endpoint``) is compared with the
reference, and a verdict whose endpoint does not agree, or is unknown, becomes inconclusive."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from horizonbench.models import RunManifest
from horizonbench.scoring.claims import ClaimVerdict
from horizonbench.scoring.claims_file import ClaimsFile
from horizonbench.workflows.fingerprint import compare, load


def _run_dirs(paths: Sequence[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in paths:
        for manifest in [p / "run.json"] if (p / "run.json").is_file() else sorted(p.glob("*/run.json")):
            found[manifest.parent.name] = manifest.parent
    return found


def require_endpoints(
    verdicts: list[ClaimVerdict], claims: ClaimsFile, df: pd.DataFrame, runs: Sequence[Path], claims_path: Path
) -> list[ClaimVerdict]:
    """``verdicts`` with those of claims whose subject's endpoint fails its reference made inconclusive."""
    dirs = _run_dirs(runs)
    out = []
    for verdict, claim in zip(verdicts, claims.claims, strict=True):
        if claim.endpoint_reference is None:
            out.append(verdict)
            continue
        reference = load(claims_path.parent / claim.endpoint_reference)
        rows = df
        if claim.subject.agent is not None:
            rows = rows[rows["agent"] == claim.subject.agent]
        if claim.subject.model is not None:
            rows = rows[rows["model"] == claim.subject.model]
        problems = []
        for run_id in sorted(set(rows["run_id"])):
            manifest = (
                RunManifest.model_validate_json((dirs[run_id] / "run.json").read_bytes()) if run_id in dirs else None
            )
            if manifest is None or manifest.endpoint is None:
                problems.append(f"run {run_id} has no endpoint fingerprint (run --fingerprint)")
                continue
            tools = compare(reference, load(dirs[run_id] / manifest.endpoint.file)).measure("tool calls")
            if tools.rate < claim.min_endpoint_agreement:
                problems.append(
                    f"run {run_id}'s endpoint agrees with the reference on {tools.rate:.0%} of tool calls "
                    f"({tools.low:.0%}-{tools.high:.0%}), below {claim.min_endpoint_agreement:.0%}"
                )
        if problems:
            verdict = dataclasses.replace(
                verdict, verdict="inconclusive", detail=f"{verdict.detail} Endpoint: {'; '.join(problems)}."
            )
        out.append(verdict)
    return out
