"""Build time and disk of SWE-bench instance images: layered vs. one image per instance.

A batch of instances of one (repo, version) — python-dateutil 2.8 on Python 3.9, real
history from its 2.8.1 and 2.8.2 sdists, each instance at its own base commit — is
imported and built twice:

- **layered** (what ``import-swebench`` writes): one environment image (base + requirements
  from a wheelhouse) shared by the batch, then a thin instance layer each (source, ``pip
  install -e .``);
- **baseline**, one self-contained image per instance, as without an environment layer:
  each instance's Dockerfile carries the source, its own wheelhouse (downloaded for it) and
  the install of its requirements, so nothing is shared past the base image.

Cold: nothing built yet (a fresh requirement set for the run, so Docker's build cache
cannot serve an earlier run's steps). Warm: the same images asked for again. Disk per
instance counts each image layer once (a shared one once for the batch), above the base image. Prints one JSON
object; the images it built are removed at the end.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import docker.errors  # noqa: E402

from horizonbench.sandbox import base_image, engine, images  # noqa: E402
from horizonbench.tasks import swebench_env  # noqa: E402
from horizonbench.tasks.loader import Task, load_task  # noqa: E402
from horizonbench.tasks.swebench_io import import_instances  # noqa: E402
from tests.swe_history import FIXES, dateutil_history, git, write_jsonl  # noqa: E402

BATCH = 5
# 2.8.2's source changes, one commit each on top of 2.8.1: the batch's base commits.
STEPS = ["dateutil/easter.py", "dateutil/parser/_parser.py", "dateutil/rrule.py", "dateutil/utils.py"]


def batch(root: Path) -> tuple[Path, list[dict[str, Any]]]:
    """BATCH instances of python-dateutil 2.8, each at its own commit of a real history."""
    repos, rows = dateutil_history(root)
    template = next(r for r in rows if r["instance_id"] == "dateutil__dateutil-1125")
    clone = repos / "dateutil__dateutil"
    new = next((root / "new").iterdir())
    git(clone, "checkout", "-q", "-b", "bench", template["base_commit"])
    commits = [template["base_commit"]]
    for rel in STEPS[: BATCH - 1]:
        shutil.copy2(new / rel, clone / rel)
        git(clone, "commit", "-qam", f"2.8.2: {rel}")
        commits.append(git(clone, "rev-parse", "HEAD").strip())
    # A requirement no earlier run used: the build cache cannot make the cold build warm.
    nonce = f"six==1.16.0,!=0.0.{uuid.uuid4().int % 10**9}"
    pips = [nonce if p.startswith("six") else p for p in template["pip_packages"]]
    out = []
    for n, commit in enumerate(commits):
        out.append(
            {
                **template,
                "instance_id": f"dateutil__dateutil-bench{n}",
                "base_commit": commit,
                "environment_setup_commit": template["base_commit"],
                "pip_packages": pips,
            }
        )
    return repos, out


def baseline_task(task: Task, dest: Path) -> Task:
    """The same instance as one self-contained image: no layer, its own wheelhouse."""
    shutil.copytree(task.path, dest)
    layer = images.layer_of(task)
    assert layer is not None
    env = layer.config.environment
    instance = (dest / "environment" / "Dockerfile").read_text().splitlines()
    release = base_image.release_of(layer.path.joinpath("Dockerfile").read_text().split()[1])
    wh = swebench_env.WHEELHOUSE
    lines = [f"FROM {base_image.image_name(release)}", "RUN ln -sf /usr/bin/python3 /usr/local/bin/python"]
    lines += [line for line in instance if not line.startswith(("ARG HB_LAYER", "FROM "))]
    at = next(i for i, line in enumerate(lines) if line.startswith("RUN python -m pip install"))
    # The layer's own steps: its wheelhouse, the pip upgrade (where it has one), its requirements.
    upgrade = [line for line in layer.path.joinpath("Dockerfile").read_text().splitlines() if "--upgrade" in line]
    lines[at:at] = [
        f"COPY wheelhouse {wh}",
        *upgrade,
        f"RUN python3 -m pip install --no-index --find-links {wh} -r {wh}/requirements.txt",
    ]
    (dest / "environment" / "Dockerfile").write_text("\n".join(lines) + "\n")
    toml = (
        (dest / "task.toml")
        .read_text()
        .replace(
            f'layer = "{task.config.environment.layer}"',
            f"python_version = {json.dumps(env.python_version)}\n"
            f"python_requirements = {json.dumps(env.python_requirements)}\n"
            f"python_downloads = {json.dumps(env.python_downloads)}",
        )
    )
    (dest / "task.toml").write_text(toml)
    return load_task(dest)


def build_all(tasks: list[Task]) -> tuple[float, list[images.TaskImage]]:
    t0 = time.monotonic()
    built = [images.ensure(t) for t in tasks]
    return time.monotonic() - t0, built


def size(ref: str) -> int:
    return int(engine.client().api.inspect_image(ref)["Size"])


def remove(tags: list[str]) -> None:
    api = engine.client().api
    for tag in tags:
        try:
            api.remove_image(tag, noprune=False)
        except docker.errors.APIError:  # already gone, or still the parent of a later tag
            pass


def main() -> None:
    base_image.ensure(release="bullseye")
    base = base_image.hashed_tag("bullseye")
    made: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-swe-") as tmp:
        root = Path(tmp)
        repos, rows = batch(root / "h")
        report = import_instances(write_jsonl(root / "i.jsonl", rows), repos, root / "suite")
        assert not report.skipped, report.skipped
        layered = [load_task(p) for p in report.imported]
        layer = images.layer_of(layered[0])
        assert layer is not None and all(images.layer_of(t) == layer for t in layered)
        cold, built = build_all(layered)
        warm, again = build_all(layered)
        assert all(b.built for b in built[:1]) and not any(a.built for a in again)
        env_tag = images.ensure(layer).tag
        made += [env_tag, *{b.tag for b in built}]
        # Each instance adds its own layer to the shared environment image, which adds its own to the base.
        env_size = size(env_tag)
        layered_disk = round((env_size - size(base) + sum(size(b.image_id) - env_size for b in built)) / 1e6, 1)

        baseline = [baseline_task(t, root / "baseline" / t.name) for t in layered]
        b_cold, b_built = build_all(baseline)
        b_warm, _ = build_all(baseline)
        made += [b.tag for b in b_built]
        baseline_disk = round(sum(size(b.image_id) - size(base) for b in b_built) / 1e6, 1)
    remove(list(dict.fromkeys(reversed(made))))
    n = len(layered)
    out = {
        "benchmark": "swe_images",
        "instances": n,
        "repo_version": "dateutil/dateutil 2.8 (python-dateutil 2.8.1 history, Python 3.9 on bullseye)",
        "fix_instances_in_history": sorted(FIXES),
        "layered": {
            "cold_seconds": round(cold, 1),
            "cold_seconds_per_instance": round(cold / n, 2),
            "warm_seconds": round(warm, 2),
            "disk_mb_above_base": layered_disk,
            "disk_mb_per_instance": round(layered_disk / n, 1),
        },
        "baseline_one_image_per_instance": {
            "cold_seconds": round(b_cold, 1),
            "cold_seconds_per_instance": round(b_cold / n, 2),
            "warm_seconds": round(b_warm, 2),
            "disk_mb_above_base": baseline_disk,
            "disk_mb_per_instance": round(baseline_disk / n, 1),
        },
        "ratios_layered_over_baseline": {
            "cold_build_time": round(cold / b_cold, 2),
            "disk": round(layered_disk / baseline_disk, 2) if baseline_disk else None,
        },
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
