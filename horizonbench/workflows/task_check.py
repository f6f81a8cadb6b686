"""``horizonbench tasks check``: proof that each task is sound.

A task is sound when its schema is valid (it loaded), its image builds, none of its
hidden test files is inside the image, the oracle passes and the do-nothing agent fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from horizonbench.errors import HorizonError
from horizonbench.models import ImagePolicy, TrialResult
from horizonbench.runner import RunOptions, execute
from horizonbench.sandbox import images
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.tasks.loader import Suite, Task


@dataclass
class TaskCheck:
    task: str
    image: str = ""
    image_source: str = ""
    """pulled, built, local or stand-in."""
    tests_absent: bool | None = None
    oracle: str = ""
    nop: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def hidden_tests_in_image(task: Task, image_tag: str) -> list[str]:
    """Hidden test files whose exact content is somewhere in the image."""
    files = [p for p in task.tests_dir.rglob("*") if p.is_file()] if task.tests_dir.is_dir() else []
    files += list(task.test_includes().values())
    if not files:
        return []
    wanted: dict[str, str] = {}
    sizes: set[int] = set()
    for p in files:
        data = p.read_bytes()
        if not data.strip():
            continue
        wanted[hashlib.sha256(data).hexdigest()] = str(p.relative_to(task.path.parent))
        sizes.add(len(data))
    if not wanted:
        return []
    size_args = " -o ".join(f"-size {n}c" for n in sorted(sizes))
    with Sandbox.start(image_tag, workdir="/") as sb:
        res = sb.exec(
            f"find / -xdev -type f \\( {size_args} \\) -not -path '/proc/*' -print0 2>/dev/null "
            "| xargs -0 -r sha256sum",
            timeout=300,
        )
    found = []
    for line in res.stdout.splitlines():
        digest, _, path = line.partition("  ")
        if digest in wanted:
            found.append(f"{wanted[digest]} (at {path})")
    return found


def check_tasks(
    tasks: Sequence[Task], suites: Sequence[Suite], concurrency: int = 2, image_policy: ImagePolicy | None = None
) -> list[TaskCheck]:
    """Check every task; problems are collected, not raised. ``image_policy`` builds
    instead of pulling (``--force-build``) and maps stand-ins, as for a run."""
    policy = image_policy or ImagePolicy()
    checks = {t.name: TaskCheck(t.name) for t in tasks}
    buildable = []
    for t in tasks:
        c = checks[t.name]
        try:
            img = images.ensure(t, policy=policy)
            c.image, c.image_source = img.tag, img.origin.source if img.origin else ""
            leaked = hidden_tests_in_image(t, img.tag)
            c.tests_absent = not leaked
            if leaked:
                c.problems.append(f"hidden tests inside the image: {', '.join(leaked)}")
            buildable.append(t)
        except HorizonError as exc:
            c.problems.append(str(exc))
    if buildable:
        with tempfile.TemporaryDirectory(prefix="hb-check-") as tmp:
            opts = RunOptions(
                run_id="check",
                agents=["oracle", "nop"],
                attempts=1,
                concurrency=concurrency,
                results_root=Path(tmp),
                images=policy,  # a forced build above is not repeated: once per process
            )
            summary = asyncio.run(execute(buildable, suites, opts))
            for r in summary.results:
                _judge(checks[r.task], r)
    return [checks[t.name] for t in tasks]


def _judge(check: TaskCheck, r: TrialResult) -> None:
    what = r.status if r.status != "error" else f"error: {r.error}"
    detail = r.verdict.detail if r.verdict else ""
    if r.agent == "oracle":
        check.oracle = f"{r.status} ({detail})" if detail else r.status
        if r.status != "passed":
            check.problems.append(f"oracle did not pass: {what} {detail}".strip())
    else:
        check.nop = f"{r.status} ({detail})" if detail else r.status
        if r.status != "failed":
            check.problems.append(f"nop agent did not fail: {what} {detail}".strip())
