"""A local bare git repository holding a small Harbor-format suite at two commits, and a
registry file pointing at it (``file://``), for the dataset tests."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

TASK_TOML = """\
version = "1.0"

[metadata]
difficulty = "easy"
category = "file-operations"
tags = ["dataset"]
expert_time_estimate_min = 1.0

[verifier]
timeout_sec = 60.0

[agent]
timeout_sec = 120.0

[environment]
cpus = 1
memory_mb = 256
"""

DOCKERFILE = """\
FROM horizonbench/base:bookworm
WORKDIR /app
RUN printf 'pear\\nfig\\npear\\n' > /app/fruits.txt
"""

# The first commit's verifier wants the unique fruits sorted; the second commit's wants them
# reversed, so an oracle from the first commit fails the second commit's tests and the other way.
TEST_SH = """\
#!/bin/bash
mkdir -p /logs/verifier
if [ -f /app/out.txt ] && [ "$(cat /app/out.txt)" = "$(printf '{want}')" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
"""

SOLVE_SH = """\
#!/bin/bash
sort -u {flags} /app/fruits.txt > /app/out.txt
"""


@dataclass
class DatasetRepo:
    url: str
    """file:// URL of the bare repository."""
    bare: Path
    first: str
    """Full id of the first commit (the one the registry pins)."""
    second: str
    """Full id of the second commit (the branch tip)."""


def git(*args: str | Path, cwd: Path) -> str:
    proc = subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def write_task(root: Path, name: str, version: int) -> None:
    task = root / "tasks" / name
    for sub in ("environment", "tests", "solution"):
        (task / sub).mkdir(parents=True, exist_ok=True)
    want, flags = ("fig\\npear", "") if version == 1 else ("pear\\nfig", "-r")
    (task / "instruction.md").write_text(
        f"Version {version}: write the unique lines of /app/fruits.txt to /app/out.txt, "
        f"{'sorted' if version == 1 else 'sorted in reverse'}.\n"
    )
    (task / "task.toml").write_text(TASK_TOML)
    (task / "environment" / "Dockerfile").write_text(DOCKERFILE)
    (task / "tests" / "test.sh").write_text(TEST_SH.format(want=want))
    (task / "solution" / "solve.sh").write_text(SOLVE_SH.format(flags=flags))


def make_repo(tmp: Path, tasks: tuple[str, ...] = ("fruit-sort",)) -> DatasetRepo:
    """A bare repository with two commits of ``tasks/<name>`` plus an unlisted ``tasks/extra``."""
    bare = tmp / "suite.git"
    work = tmp / "suite-work"
    git("init", "-q", "--bare", "-b", "main", bare, cwd=tmp)
    git("init", "-q", "-b", "main", work, cwd=tmp)
    for key, value in (("user.email", "dev@example.org"), ("user.name", "Dev"), ("commit.gpgsign", "false")):
        git("config", key, value, cwd=work)
    commits = []
    for version in (1, 2):
        for name in tasks:
            write_task(work, name, version)
        (work / "tasks" / "extra").mkdir(parents=True, exist_ok=True)
        (work / "tasks" / "extra" / "README.md").write_text(f"not a task of the dataset (v{version})\n")
        git("add", "-A", cwd=work)
        git("commit", "-q", "-m", f"suite v{version}", cwd=work)
        git("push", "-q", bare, "HEAD:main", cwd=work)
        commits.append(git("rev-parse", "HEAD", cwd=work))
    return DatasetRepo(url=bare.resolve().as_uri(), bare=bare, first=commits[0], second=commits[1])


def write_registry(path: Path, repo: DatasetRepo, extra: list[dict[str, object]] | None = None,
                   tasks: tuple[str, ...] = ("fruit-sort",)) -> Path:  # fmt: skip
    """A registry with ``mini@1.0`` pinned to the first commit, ``mini@head`` unpinned, plus ``extra``."""

    def entries(commit: str | None) -> list[dict[str, object]]:
        return [{"name": n, "git_url": repo.url, "git_commit_id": commit, "path": f"tasks/{n}"} for n in tasks]

    datasets = [
        {"name": "mini", "version": "1.0", "description": "A small suite for tests", "tasks": entries(repo.first)},
        {"name": "mini", "version": "head", "description": "The same, unpinned", "tasks": entries(None)},
        *(extra or []),
    ]
    path.write_text(json.dumps(datasets, indent=1))
    return path
