"""The base image ``horizonbench/base:bookworm`` every task image builds on.

Where a registry answers it is built from the official Debian image; where none does
(air-gapped labs) it is bootstrapped from Debian's packages with ``debootstrap`` and
``docker import``ed. The contents are the same either way; a label records which path
was taken. The image is tagged with a hash of its recipe and never rebuilt while a
tag with that hash exists.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import docker.errors

from horizonbench.errors import ImageBuildError, ImageMissing
from horizonbench.sandbox import engine

log = logging.getLogger(__name__)

DISTRO = "bookworm"
REPOSITORY = "horizonbench/base"
BASE_IMAGE = f"{REPOSITORY}:{DISTRO}"
PACKAGES = (
    "bash",
    "coreutils",
    "procps",
    "git",
    "patch",
    "python3",
    "python3-venv",
    "python3-pip",
    "ca-certificates",
    "socat",
)
ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    # Task images install their wheelhouse into the system Python of a throwaway image.
    "PIP_BREAK_SYSTEM_PACKAGES": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
RECIPE_VERSION = 1
LABEL_RECIPE = "horizonbench.base.recipe"
LABEL_METHOD = "horizonbench.base.method"
MIRROR = os.environ.get("HORIZONBENCH_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def recipe_hash() -> str:
    """A hash of everything that decides the base image's contents."""
    recipe = {"v": RECIPE_VERSION, "distro": DISTRO, "packages": sorted(PACKAGES), "env": ENV}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]


def hashed_tag() -> str:
    return f"{REPOSITORY}:{DISTRO}-{recipe_hash()}"


@dataclass
class BaseImageInfo:
    tag: str
    image_id: str
    method: str
    recipe: str
    size_mb: float
    built: bool
    """Whether this call built it (False: it was already present)."""


def info() -> BaseImageInfo | None:
    """The base image of the current recipe, if present."""
    try:
        image = engine.client().images.get(hashed_tag())
    except docker.errors.ImageNotFound:
        return None
    labels = image.labels or {}
    return BaseImageInfo(
        tag=BASE_IMAGE,
        image_id=image.id or "",
        method=labels.get(LABEL_METHOD, "unknown"),
        recipe=labels.get(LABEL_RECIPE, ""),
        size_mb=round(int(image.attrs.get("Size", 0)) / 1e6, 1),
        built=False,
    )


def ensure(rebuild: bool = False) -> BaseImageInfo:
    """Make sure the base image of the current recipe exists, building it if needed.

    Raises:
        ImageBuildError: neither a registry nor debootstrap could produce it.
    """
    present = None if rebuild else info()
    if present is not None:
        _tag(present.image_id)
        return present
    started = time.monotonic()
    try:
        method = _from_registry()
    except _NoRegistry as exc:
        log.info("no registry answers (%s); bootstrapping %s from Debian packages", exc, BASE_IMAGE)
        method = _from_debootstrap()
    built = info()
    if built is None:
        raise ImageBuildError(f"building {BASE_IMAGE} left no image tagged {hashed_tag()}")
    _tag(built.image_id)
    log.info("built %s by %s in %.0f s", BASE_IMAGE, method, time.monotonic() - started)
    built.built = True
    return built


def require() -> str:
    """The base image tag, or a clear error naming the command that builds it."""
    if info() is None:
        raise ImageMissing(f"base image {hashed_tag()} is missing; build it with 'horizonbench images base'")
    return BASE_IMAGE


class _NoRegistry(Exception):
    pass


def _labels(method: str) -> dict[str, str]:
    return {LABEL_RECIPE: recipe_hash(), LABEL_METHOD: method}


def _tag(image_id: str) -> None:
    api = engine.client().api
    api.tag(image_id, REPOSITORY, DISTRO)
    api.tag(image_id, REPOSITORY, f"{DISTRO}-{recipe_hash()}")


def _from_registry() -> str:
    client = engine.client()
    try:
        client.images.pull("debian", tag=f"{DISTRO}-slim")
    except docker.errors.APIError as exc:
        raise _NoRegistry(str(exc.explanation or exc).splitlines()[0][:120]) from None
    env = "".join(f" {k}={json.dumps(v)}" for k, v in ENV.items())
    labels = "".join(f" {k}={json.dumps(v)}" for k, v in _labels("registry").items())
    dockerfile = (
        f"FROM debian:{DISTRO}-slim\n"
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
        f"{' '.join(PACKAGES)} && rm -rf /var/lib/apt/lists/*\n"
        f'ENV{env}\nLABEL{labels}\nCMD ["bash"]\n'
    )
    try:
        client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=hashed_tag(), network_mode="host", rm=True)
    except docker.errors.BuildError as exc:
        raise ImageBuildError(f"building {BASE_IMAGE} from debian:{DISTRO}-slim failed: {exc.msg}") from None
    return "registry"


def _from_debootstrap() -> str:
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            "no registry answers and debootstrap is missing; install it ('apt-get install debootstrap') "
            "or run scripts/setup-docker.sh, then 'horizonbench images base'"
        )
    if os.geteuid() != 0:
        raise ImageBuildError("bootstrapping the base image with debootstrap needs root; run as root")
    with tempfile.TemporaryDirectory(prefix="hb-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        logfile = Path(tempfile.gettempdir()) / "horizonbench-debootstrap.log"
        cmd = [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            DISTRO,
            str(rootfs),
            MIRROR,
        ]
        with open(logfile, "wb") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
        if proc.returncode != 0:
            raise ImageBuildError(f"debootstrap failed (exit {proc.returncode}); see {logfile}")
        # Package caches only make the image bigger; apt-get update fetches fresh lists.
        for sub in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (rootfs / sub).glob("*"):
                if item.is_file():
                    item.unlink()
        tarball = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], check=True)
        changes = [f"ENV {k}={v}" for k, v in ENV.items()]
        changes += [f"LABEL {k}={v}" for k, v in _labels("debootstrap").items()]
        changes.append('CMD ["bash"]')
        engine.client().api.import_image_from_file(
            str(tarball), repository=REPOSITORY, tag=f"{DISTRO}-{recipe_hash()}", changes=changes
        )
    return "debootstrap"
