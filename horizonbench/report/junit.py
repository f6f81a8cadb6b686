"""JUnit XML for CI systems: one testcase per task x attempt, a testsuite per agent/model group.

A failed trial is a ``<failure>`` with the verifier's reason; an infrastructure error is an
``<error>`` (CI systems show the two apart, as every horizonbench table does).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from horizonbench.report.analysis import GROUP, with_groups


def junit_tree(df: pd.DataFrame) -> ET.ElementTree[ET.Element]:
    """The JUnit document of a results frame (grouped by agent/model as in the reports)."""
    if GROUP not in df.columns:
        df = with_groups(df)
    root = ET.Element("testsuites", name="horizonbench")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for label, part in df.groupby(GROUP, sort=True):
        suite = ET.SubElement(root, "testsuite", name=str(label))
        counts = {"tests": len(part), "failures": 0, "errors": 0, "time": 0.0}
        ordered = part.sort_values(["suite", "task", "attempt"], kind="stable")
        for r in ordered.to_dict("records"):
            seconds = _seconds(r.get("total_s"))
            counts["time"] += seconds
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_classname(r, str(label)),
                name=f"{r['task']} [attempt {int(r['attempt'])}]",
                time=f"{seconds:.3f}",
            )
            if r["status"] == "failed":
                counts["failures"] += 1
                reason = _text(r.get("detail")) or "failed"
                failure = ET.SubElement(case, "failure", message=reason, type="failed")
                failure.text = _failure_text(r, reason)
            elif r["status"] == "error":
                counts["errors"] += 1
                reason = _text(r.get("error")) or "infrastructure error"
                kind = _text(r.get("error_kind")) or "error"
                error = ET.SubElement(case, "error", message=reason, type=kind)
                error.text = f"{kind} error (not counted against the agent): {reason}"
            flags = r.get("flags")
            if isinstance(flags, list) and flags:
                ET.SubElement(case, "system-out").text = "flags: " + ", ".join(map(str, flags))
        for key in ("tests", "failures", "errors"):
            suite.set(key, str(counts[key]))
            totals[key] += counts[key]
        suite.set("skipped", "0")
        suite.set("time", f"{counts['time']:.3f}")
        totals["time"] += counts["time"]
    for key in ("tests", "failures", "errors"):
        root.set(key, str(totals[key]))
    root.set("time", f"{totals['time']:.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(df: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`junit_tree` of ``df`` to ``path``.

    Raises:
        OSError: the file cannot be written.
    """
    target = Path(path)
    junit_tree(df).write(target, encoding="utf-8", xml_declaration=True)
    return target


def _classname(row: Mapping[Hashable, Any], group: str) -> str:
    suite = _text(row.get("suite")) or "tasks"
    return f"horizonbench.{suite}.{group}"


def _failure_text(row: Mapping[Hashable, Any], reason: str) -> str:
    lines = [reason, f"reward: {_seconds(row.get('reward')):g}"]
    total = row.get("milestones_total")
    if isinstance(total, int | float) and total and not math.isnan(float(total)):
        lines.append(f"milestones: {int(row['milestones_passed'])}/{int(total)}")
    limit = _text(row.get("limit"))
    if limit:
        lines.append(f"stopped by the {limit} limit")
    return "\n".join(lines)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _seconds(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else number
