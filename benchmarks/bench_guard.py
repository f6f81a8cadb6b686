"""What the pytest guard costs: the SWE suite's test runs with and without it, in one run.

For every task of ``tasks/swe``: a container of the task's image with the oracle fix applied
and the hidden tests copied in (as grading has it), then the task's test command run
``--reps`` times with the guard and as many times without, alternating (so that drift of the
host's load falls on both alike). Each timing is the wall clock of the one container command
that runs pytest, as grading times it (``test_s``). Switching the guard on or off and giving
it a fresh key happen in commands of their own, not timed; each guarded run's record is
checked (valid signature, nothing tampered, the same outcomes as the log).

Prints one JSON object: per task the median milliseconds with and without the guard, the
suite's total of medians either way, the overhead in percent (total and median per task),
and whether the 5 % target is met (on wall time); the same for CPU seconds (user plus
system of the command's processes, from the shell's ``times``), which the load of a shared
host disturbs much less than wall time.

    .venv/bin/python benchmarks/bench_guard.py [--reps 10] [--task GLOB]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import time
from pathlib import Path

from horizonbench.grading import parsers
from horizonbench.grading.guard import GuardSetup
from horizonbench.grading.records import check_records
from horizonbench.sandbox import images
from horizonbench.sandbox.limits import make_limits
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.tasks.loader import Task, load_tasks

SUITE = Path(__file__).resolve().parent.parent / "tasks" / "swe"
TARGET_PCT = 5.0
PTH = "zz-hb-guard.pth"


def prepare(task: Task) -> tuple[Sandbox, GuardSetup, str]:
    """A grading-like container: oracle fix applied, hidden tests in, guard installed (off)."""
    image = images.ensure(task)
    env = task.config.environment
    sb = Sandbox.start(
        image.tag,
        limits=make_limits(cpus=env.cpus, memory_mb=env.memory_mb, pids=env.pids, storage_mb=env.storage_mb),
        workdir=image.workdir,
        env=env.env,
        labels={"horizonbench.role": "bench"},
    )
    v = task.config.verifier
    patch = task.path / "solution" / "patch.diff"
    sb.write_file("/tmp/oracle.diff", patch.read_bytes())
    res = sb.exec("git apply /tmp/oracle.diff", timeout=120)
    if res.exit_code != 0:
        raise RuntimeError(f"{task.name}: oracle patch did not apply: {res.output[:200]}")
    sb.put_dir(task.tests_dir, v.tests_dir)
    for dest, src in task.test_includes().items():
        sb.write_file(f"{v.tests_dir.rstrip('/')}/{dest}", src.read_bytes())
    guard = GuardSetup.new(keys=1, base_plugins=True)
    guard.install(sb, "/logs/verifier")
    sb.exec(f"mkdir -p /logs/verifier && {guard.switch_on()}", timeout=60)
    site = sb.exec("python3 -c 'import site; print(site.getsitepackages()[0])'", timeout=60).stdout.strip()
    sb.exec(f"mv {site}/{PTH} {site}/{PTH}.off", timeout=30)
    return sb, guard, site


def timed(sb: Sandbox, task: Task, out: str) -> tuple[float, int]:
    """Wall seconds of the command as grading runs it, and its exit code. The shell's
    ``times`` builtin, run after it in the same command, notes its CPU seconds."""
    v = task.config.verifier
    started = time.perf_counter()
    res = sb.exec(
        f"( {v.command} ) > {out} 2>&1; rc=$?; times > /tmp/bench.times; exit $rc",
        cwd=sb.workdir,
        env=v.env,
        timeout=v.timeout_sec,
    )
    return time.perf_counter() - started, res.exit_code


def cpu_seconds(sb: Sandbox) -> float:
    """User plus system seconds of the last timed command (the children line of ``times``)."""
    children = sb.read_file("/tmp/bench.times").decode().splitlines()[1].split()
    return sum(int(t.split("m")[0]) * 60 + float(t.split("m")[1].rstrip("s")) for t in children)


def run_once(sb: Sandbox, task: Task, guard: GuardSetup, site: str, on: bool) -> tuple[float, float]:
    """One timed run, the guard on or off; both kinds go through the same untimed steps
    before and after (a fresh key written, the .pth moved, the log and records read), so
    that neither is timed right after different work. A guarded run's record is checked."""
    fresh = GuardSetup.new(keys=1, base_plugins=True)
    fresh.directory = guard.directory
    sb.write_file(f"{guard.directory}/guard.cfg", fresh.config_text("/logs/verifier"))
    switch = f"mv {site}/{PTH}.off {site}/{PTH}" if on else f"test -e {site}/{PTH}.off"
    sb.exec(f"rm -rf {guard.directory}/records && {switch}", timeout=30)
    seconds, exit_code = timed(sb, task, "/tmp/run.log")
    cpu = cpu_seconds(sb)
    if on:
        sb.exec(f"mv {site}/{PTH} {site}/{PTH}.off", timeout=30)
    else:
        sb.exec(f"test -e {site}/{PTH}.off", timeout=30)
    report = check_records(fresh.read_records(sb), fresh.keys, fresh.nonce)
    log = sb.read_file("/tmp/run.log").decode("utf-8", errors="replace")
    if not on:
        if report.runs:
            raise RuntimeError(f"{task.name}: the guard ran while switched off")
        return seconds, cpu
    status, _ = parsers.parse_log(log, task.config.verifier.log_parser)
    seen = parsers.parse_status_lines(
        "\n".join(f"PASSED {t}" for t, o in report.outcomes.items() if o == "passed"), task.config.verifier.log_parser
    )
    passed_log = {t for t, s in status.items() if s == "PASSED"}
    if report.runs != 1 or report.problems or report.forged or passed_log != set(seen):
        raise RuntimeError(f"{task.name}: the guard's record disagrees: {report.to_json()['problems'][:3]}")
    if report.exit_statuses != [exit_code]:
        raise RuntimeError(f"{task.name}: exit {exit_code}, guard saw {report.exit_statuses}")
    return seconds, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--task", default="*")
    args = ap.parse_args()
    tasks = [t for t in load_tasks([SUITE])[0] if fnmatch.fnmatch(t.name, args.task)]
    per_task: dict[str, dict[str, float]] = {}
    for task in tasks:
        sb, guard, site = prepare(task)
        try:
            timed(sb, task, "/dev/null")  # warm the page cache and bytecode caches once
            plain: list[tuple[float, float]] = []
            with_guard: list[tuple[float, float]] = []
            for rep in range(args.reps):
                # ABBA order: neither kind always runs first
                for on in (False, True) if rep % 2 == 0 else (True, False):
                    (with_guard if on else plain).append(run_once(sb, task, guard, site, on))
            p, g = (statistics.median(x[0] for x in runs) for runs in (plain, with_guard))
            pc, gc = (statistics.median(x[1] for x in runs) for runs in (plain, with_guard))
            per_task[task.name] = {
                "plain_ms": round(p * 1000, 1),
                "guarded_ms": round(g * 1000, 1),
                "overhead_pct": round((g / p - 1) * 100, 2),
                "plain_cpu_ms": round(pc * 1000, 1),
                "guarded_cpu_ms": round(gc * 1000, 1),
            }
        finally:
            sb.close()
    total_plain = sum(t["plain_ms"] for t in per_task.values())
    total_guarded = sum(t["guarded_ms"] for t in per_task.values())
    overhead = (total_guarded / total_plain - 1) * 100 if total_plain else 0.0
    cpu_plain = sum(t["plain_cpu_ms"] for t in per_task.values())
    cpu_guarded = sum(t["guarded_cpu_ms"] for t in per_task.values())
    print(
        json.dumps(
            {
                "benchmark": "pytest guard overhead on the SWE suite's test runs",
                "tasks": len(per_task),
                "reps": args.reps,
                "per_task": per_task,
                "total_plain_s": round(total_plain / 1000, 3),
                "total_guarded_s": round(total_guarded / 1000, 3),
                "ratio": round(total_guarded / total_plain, 4) if total_plain else None,
                "overhead_pct": round(overhead, 2),
                "median_task_overhead_pct": round(statistics.median(t["overhead_pct"] for t in per_task.values()), 2)
                if per_task
                else None,
                "cpu_plain_s": round(cpu_plain / 1000, 3),
                "cpu_guarded_s": round(cpu_guarded / 1000, 3),
                "cpu_overhead_pct": round((cpu_guarded / cpu_plain - 1) * 100, 2) if cpu_plain else None,
                "target_pct": TARGET_PCT,
                "met": overhead < TARGET_PCT,
                "load_avg": [round(x, 2) for x in os.getloadavg()],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
