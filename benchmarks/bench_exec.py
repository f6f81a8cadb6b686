"""How fast a sandbox runs commands, starts and goes away.

Times a trivial command (``true``) three ways on one container: through the persistent
shell session (``Sandbox.shell``), through ``docker exec`` on the command line, and
through the SDK's ``exec_run``; then the start-to-ready and teardown times of fresh
sandboxes. Prints one JSON object, including whether the design's targets are met.

    .venv/bin/python benchmarks/bench_exec.py [--runs 200] [--containers 10]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from horizonbench.errors import HorizonError
from horizonbench.sandbox import Limits, Sandbox, base_image, engine

LIMITS = Limits(cpus=1, memory_mb=512, pids=128)
WARMUP = 10

TARGET_SESSION_MEDIAN_MS = 5.0
TARGET_SPEEDUP_OVER_CLI = 10.0
TARGET_START_PLUS_TEARDOWN_S = 1.0


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {"median": round(statistics.median(ms), 3), "p95": round(percentile(ms, 95), 3), "n": len(ms)}


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def bench_commands(image: str, runs: int) -> dict[str, dict[str, float] | None]:
    with Sandbox.start(image, limits=LIMITS, workdir="/work") as sb:

        def session() -> None:
            res = sb.shell("true")
            if res.exit_code != 0:
                raise RuntimeError(f"'true' failed in the session: {res.output!r}")

        def sdk() -> None:
            code, _ = sb.container.exec_run("true")
            if code != 0:
                raise RuntimeError(f"'true' failed through exec_run (exit {code})")

        docker_cli = shutil.which("docker")

        def cli() -> None:
            assert docker_cli is not None
            subprocess.run([docker_cli, "exec", sb.id, "true"], check=True, stdout=subprocess.DEVNULL)

        return {
            "session": summary_ms(timed(session, runs)),
            "docker_exec_cli": summary_ms(timed(cli, runs)) if docker_cli else None,
            "sdk_exec_run": summary_ms(timed(sdk, runs)),
        }


def bench_lifecycle(image: str, containers: int) -> dict[str, dict[str, float]]:
    ready, teardown = [], []
    for _ in range(containers):
        started = time.perf_counter()
        sb = Sandbox.start(image, limits=LIMITS, workdir="/work")
        try:
            if sb.shell("true").exit_code != 0:
                raise RuntimeError("'true' failed in a fresh sandbox")
            ready.append(time.perf_counter() - started)
        finally:
            closing = time.perf_counter()
            sb.close()
            teardown.append(time.perf_counter() - closing)
    return {
        "start_to_ready_s": {"median": round(statistics.median(ready), 4), "max": round(max(ready), 4)},
        "teardown_s": {"median": round(statistics.median(teardown), 4), "max": round(max(teardown), 4)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed commands per method")
    parser.add_argument("--containers", type=int, default=10, help="sandboxes started and removed")
    args = parser.parse_args()
    try:
        image = base_image.require()
        version = engine.engine_version()
        latency = bench_commands(image, args.runs)
        lifecycle = bench_lifecycle(image, args.containers)
    except HorizonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    session = latency["session"]
    cli, sdk = latency["docker_exec_cli"], latency["sdk_exec_run"]
    assert session is not None and sdk is not None
    ratios = {
        "docker_exec_cli/session": round(cli["median"] / session["median"], 1) if cli else None,
        "sdk/session": round(sdk["median"] / session["median"], 1),
    }
    start_plus_teardown = lifecycle["start_to_ready_s"]["median"] + lifecycle["teardown_s"]["median"]
    cli_ratio = ratios["docker_exec_cli/session"]
    targets = {
        f"session_median_le_{TARGET_SESSION_MEDIAN_MS:g}ms": session["median"] <= TARGET_SESSION_MEDIAN_MS,
        f"session_ge_{TARGET_SPEEDUP_OVER_CLI:g}x_faster_than_docker_exec_cli": (
            cli_ratio is not None and cli_ratio >= TARGET_SPEEDUP_OVER_CLI
        ),
        f"start_plus_teardown_le_{TARGET_START_PLUS_TEARDOWN_S:g}s": start_plus_teardown
        <= TARGET_START_PLUS_TEARDOWN_S,
    }
    report = {
        "engine": version,
        "host_cpus": os.cpu_count(),
        "command": "true",
        "latency_ms": latency,
        "ratios_of_medians": ratios,
        **lifecycle,
        "start_plus_teardown_s": round(start_plus_teardown, 4),
        "containers": args.containers,
        "targets_met": targets,
        "all_targets_met": all(targets.values()),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
