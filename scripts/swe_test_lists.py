"""Derive a repository task's FAIL_TO_PASS / PASS_TO_PASS lists the way SWE-bench does.

Runs the task's test command twice in its image, with the hidden tests copied in:
on the base state, and with the oracle's solution/patch.diff applied. FAIL_TO_PASS are
the tests that pass only with the fix, PASS_TO_PASS those that pass in both. A test
that passes before and fails after is a broken oracle and is reported.

    .venv/bin/python scripts/swe_test_lists.py tasks/swe/some-task [...] [--write]

With --write the lists replace the ones in each task.toml (the rest of the file is kept).
"""

from __future__ import annotations

import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from horizonbench.sandbox import images
from horizonbench.sandbox.sandbox import Sandbox, make_limits
from horizonbench.grading import parsers as graders
from horizonbench.grading.grade import sandbox_limits
from horizonbench.tasks.loader import Task, load_task


def statuses(task: Task, image: images.TaskImage, fixed: bool) -> dict[str, str]:
    v = task.config.verifier
    with Sandbox.start(
        image.tag, limits=make_limits(**sandbox_limits(task)), workdir=image.workdir, env=task.config.environment.env
    ) as sb:
        if fixed:
            sb.write_file("/tmp/fix.diff", (task.solution_dir / "patch.diff").read_bytes())
            res = sb.exec("git apply /tmp/fix.diff", timeout=60)
            if res.exit_code:
                raise SystemExit(f"{task.name}: the oracle patch does not apply: {res.output}")
        sb.put_dir(task.tests_dir, v.tests_dir)
        sb.exec(f"( {v.command} ) > /tmp/out.log 2>&1", cwd=image.workdir, env=v.env, timeout=v.timeout_sec)
        log = sb.read_file("/tmp/out.log").decode("utf-8", errors="replace")
    status, _ = graders.parse_log(log, v.log_parser)
    return status


def derive(path: Path) -> dict[str, list[str]]:
    task = load_task(path)
    image = images.ensure(task)
    before, after = statuses(task, image, False), statuses(task, image, True)
    ok = {"PASSED", "XFAIL"}
    broken = sorted(t for t, s in before.items() if s in ok and after.get(t) not in ok)
    if broken:
        raise SystemExit(f"{task.name}: the oracle breaks {broken[:5]}")
    f2p = sorted(t for t, s in after.items() if s in ok and before.get(t) not in ok)
    p2p = sorted(t for t, s in after.items() if s in ok and before.get(t) in ok)
    return {"FAIL_TO_PASS": f2p, "PASS_TO_PASS": p2p}


def _toml_list(items: list[str]) -> str:
    return "[\n" + "".join(f"  {json.dumps(i)},\n" for i in items) + "]" if items else "[]"


def write(path: Path, lists: dict[str, list[str]]) -> None:
    toml = (path / "task.toml").read_text()
    for key in ("fail_to_pass", "pass_to_pass"):
        block = f"{key} = {_toml_list(lists[key.upper()])}"
        # A function as replacement: test ids may hold backslashes, which re.sub would interpret.
        toml = re.sub(rf"^{key} = \[.*?^\]$|^{key} = \[\]$", lambda _m, b=block: b, toml, count=1, flags=re.M | re.S)
    (path / "task.toml").write_text(toml)


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv if not a.startswith("--")]
    with ThreadPoolExecutor(2) as pool:
        for path, lists in zip(paths, pool.map(derive, paths), strict=True):
            print(f"{path.name}: {len(lists['FAIL_TO_PASS'])} fail-to-pass, {len(lists['PASS_TO_PASS'])} pass-to-pass")
            if "--write" in argv:
                write(path, lists)


if __name__ == "__main__":
    main(sys.argv[1:])
