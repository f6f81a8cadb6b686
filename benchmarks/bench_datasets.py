"""What fetching a dataset costs: a few tasks of a large task repository, fetched the way
``horizonbench run NAME@VERSION`` fetches them, against a plain ``git clone`` of the repository.

Builds a bare repository of ``--tasks`` task folders (each with ``--kib`` KiB of incompressible
data, over two commits), served over ``file://`` with partial clone allowed, as GitHub allows
it. A dataset names ``--picked`` of the folders at the first commit. Times, and measures the
bytes on disk of:

- ``baseline``: ``git clone`` of the repository, then a checkout of the commit (what a fetcher
  that ignores the task paths does);
- ``cold``: :func:`horizonbench.tasks.datasets.fetch_commit` into an empty cache (one commit,
  blobs of the picked folders only, sparse checkout);
- ``cached``: the same call again (a checkout in the cache is never fetched again).

Prints one JSON object with the figures and the ratios against the baseline.

    .venv/bin/python benchmarks/bench_datasets.py [--tasks 300] [--picked 10] [--kib 64]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path


def git(*args: str | Path, cwd: Path) -> str:
    return subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=True).stdout


def disk_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def build(tmp: Path, tasks: int, kib: int) -> tuple[str, str]:
    bare, work = tmp / "tasks.git", tmp / "work"
    git("init", "-q", "--bare", "-b", "main", bare, cwd=tmp)
    git("config", "uploadpack.allowFilter", "true", cwd=bare)
    git("init", "-q", "-b", "main", work, cwd=tmp)
    git("config", "user.email", "b@example.org", cwd=work)
    git("config", "user.name", "Bench", cwd=work)
    first = ""
    for round_ in (1, 2):
        for i in range(tasks):
            d = work / "tasks" / f"task-{i:04d}"
            (d / "environment").mkdir(parents=True, exist_ok=True)
            (d / "task.toml").write_text(f'version = "1.0"\n# round {round_}\n')
            (d / "environment" / "data.bin").write_bytes(os.urandom(kib * 1024))
        git("add", "-A", cwd=work)
        git("commit", "-q", "-m", f"round {round_}", cwd=work)
        if round_ == 1:
            first = git("rev-parse", "HEAD", cwd=work).strip()
    git("push", "-q", bare, "HEAD:main", cwd=work)
    return bare.as_uri(), first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=300)
    ap.add_argument("--picked", type=int, default=10)
    ap.add_argument("--kib", type=int, default=64)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        url, commit = build(tmp, args.tasks, args.kib)
        paths = [f"tasks/task-{i:04d}" for i in range(0, args.tasks, max(1, args.tasks // args.picked))][: args.picked]

        t0 = time.perf_counter()
        git("clone", "-q", "--no-local", url, tmp / "baseline", cwd=tmp)
        git("checkout", "-q", "--detach", commit, cwd=tmp / "baseline")
        baseline_s = time.perf_counter() - t0
        baseline_bytes = disk_bytes(tmp / "baseline")

        os.environ["HORIZONBENCH_CACHE"] = str(tmp / "cache")
        from horizonbench.tasks.datasets import fetch_commit

        t0 = time.perf_counter()
        cold = fetch_commit(url, commit, paths)
        cold_s = time.perf_counter() - t0
        cold_bytes = disk_bytes(cold.path)
        t0 = time.perf_counter()
        again = fetch_commit(url, commit, paths)
        cached_s = time.perf_counter() - t0
        assert again.path == cold.path and not again.fetched and cold.commit == commit

    print(
        json.dumps(
            {
                "repository": {"tasks": args.tasks, "commits": 2, "kib_per_task": args.kib},
                "dataset_tasks": len(paths),
                "baseline_clone": {"seconds": round(baseline_s, 3), "bytes_on_disk": baseline_bytes},
                "cold_fetch": {"seconds": round(cold_s, 3), "bytes_on_disk": cold_bytes},
                "cached_fetch": {"seconds": round(cached_s, 4)},
                "ratios": {
                    "cold_time_vs_baseline": round(cold_s / baseline_s, 3),
                    "cold_bytes_vs_baseline": round(cold_bytes / baseline_bytes, 4),
                    "cached_time_vs_baseline": round(cached_s / baseline_s, 4),
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
