"""``horizonbench doctor``: is this machine ready to run trials?"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from horizonbench.errors import HorizonError
from horizonbench.sandbox import base_image, engine, reaper

MIN_FREE_GB = 5.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def diagnose() -> list[Check]:
    """Every check, in order; later checks are skipped when the engine is missing."""
    try:
        version = engine.engine_version()
    except HorizonError as exc:
        return [Check("engine", False, str(exc), engine.ENGINE_FIX)]
    info = engine.client().info()
    checks = [Check("engine", True, f"Docker {version}, cgroup v{info.get('CgroupVersion', '?')}")]

    base = base_image.info()
    if base is None:
        checks.append(
            Check("base image", False, f"{base_image.hashed_tag()} missing", "run 'horizonbench images base'")
        )
    else:
        checks.append(Check("base image", True, f"{base.tag} ({base.image_id[7:19]}), made by {base.method}"))

    root = str(info.get("DockerRootDir", "/var/lib/docker"))
    try:
        free_gb = shutil.disk_usage(root).free / 1e9
    except OSError:
        free_gb = shutil.disk_usage("/").free / 1e9
    checks.append(
        Check(
            "free disk",
            free_gb >= MIN_FREE_GB,
            f"{free_gb:.1f} GB free under {root}",
            f"free at least {MIN_FREE_GB:.0f} GB ('docker image prune' removes unused images)",
        )
    )

    left = reaper.leftovers()
    checks.append(
        Check(
            "leftover containers",
            not left,
            f"{len(left)} container(s) of dead runs" if left else "none",
            "run 'horizonbench sandbox prune'",
        )
    )
    return checks
