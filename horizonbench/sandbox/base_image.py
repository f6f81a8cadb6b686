"""The base images ``horizonbench/base:<release>`` task images build on, one per Debian
release (bookworm, the default, has Python 3.11; bullseye 3.9; trixie 3.13) or Ubuntu LTS
release (bionic 3.6, focal 3.8, jammy 3.10, noble 3.12): the Pythons SWE-bench's
environments name.

Where a registry answers it is built from the official Debian or Ubuntu image; where none
does (air-gapped labs) it is bootstrapped from the distribution's packages with
``debootstrap`` and ``docker import``ed; Ubuntu's archive is checked against Ubuntu's
keyring, from its ``ubuntu-keyring`` package pinned by SHA256. The contents are the same
either way; a label records which path was taken. The image is tagged with a hash of its
recipe and never rebuilt while a tag with that hash exists. Every release is made by the same recipe; only the release
name differs.
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
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import docker.errors

from horizonbench.errors import ImageBuildError, ImageMissing
from horizonbench.sandbox import engine

log = logging.getLogger(__name__)

DISTRO = "bookworm"
REPOSITORY = "horizonbench/base"
BASE_IMAGE = f"{REPOSITORY}:{DISTRO}"
# The releases a base image can be bootstrapped from, and the Python each ships.
RELEASES = {
    "bullseye": "3.9",
    "bookworm": "3.11",
    "trixie": "3.13",
    "bionic": "3.6",
    "focal": "3.8",
    "jammy": "3.10",
    "noble": "3.12",
}
UBUNTU = frozenset({"bionic", "focal", "jammy", "noble"})
# Each release's glibc: a binary wheel for one of them must not need a newer one (bcrypt 5's
# manylinux_2_34 wheels do not load on bullseye's 2.31).
GLIBC = {
    "bionic": (2, 27),
    "focal": (2, 31),
    "bullseye": (2, 31),
    "jammy": (2, 35),
    "bookworm": (2, 36),
    "noble": (2, 39),
    "trixie": (2, 41),
}
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
UBUNTU_MIRROR = os.environ.get("HORIZONBENCH_UBUNTU_MIRROR", "http://archive.ubuntu.com/ubuntu")
# Ubuntu's archive keyring, from the package of jammy's main (the same keys sign every LTS here).
UBUNTU_KEYRING_DEB = "pool/main/u/ubuntu-keyring/ubuntu-keyring_2021.03.26_all.deb"
UBUNTU_KEYRING_SHA256 = "0d0e7ed6b112f5d03eabf3c7eb01ebdacf9c57714b279e90495cfc58c8c4520f"
UBUNTU_KEYRING = "/usr/share/keyrings/ubuntu-archive-keyring.gpg"


def ubuntu_keyring() -> Path:
    """Ubuntu's archive keyring: the host's where it has one (Debian's ``ubuntu-keyring``
    package), else extracted from Ubuntu's package, downloaded once into the cache and
    checked against :data:`UBUNTU_KEYRING_SHA256`.

    Raises:
        ImageBuildError: it cannot be had.
    """
    if Path(UBUNTU_KEYRING).is_file():
        return Path(UBUNTU_KEYRING)
    from horizonbench.sandbox.images import cache_dir

    target = cache_dir() / "keyrings" / "ubuntu-archive-keyring.gpg"
    if target.is_file():
        return target
    url = f"{UBUNTU_MIRROR}/{UBUNTU_KEYRING_DEB}"
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            data = resp.read()
    except OSError as exc:
        raise ImageBuildError(f"Ubuntu's keyring could not be downloaded from {url}: {exc}") from None
    if hashlib.sha256(data).hexdigest() != UBUNTU_KEYRING_SHA256:
        raise ImageBuildError(f"{url}: SHA256 is not the pinned {UBUNTU_KEYRING_SHA256}; refusing its keys")
    with tempfile.TemporaryDirectory(prefix="hb-keyring-") as tmp:
        deb = Path(tmp) / "keyring.deb"
        deb.write_bytes(data)
        proc = subprocess.run(["dpkg-deb", "-x", str(deb), tmp], capture_output=True, text=True, check=False)
        extracted = Path(tmp) / UBUNTU_KEYRING.lstrip("/")
        if proc.returncode != 0 or not extracted.is_file():
            raise ImageBuildError(f"{url}: no {UBUNTU_KEYRING} in the package ({proc.stderr.strip()[:200]})")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copy2(extracted, partial)
        os.replace(partial, target)
    return target


def wheel_platforms(python_version: str, machine: str) -> list[str]:
    """The platform tags of the wheels the base image shipping ``python_version`` can load,
    newest first (every manylinux tag its glibc allows, then pure wheels); [] for a Python
    no release ships."""
    release = next((r for r, v in RELEASES.items() if v == python_version), None)
    if release is None:
        return []
    major, minor = GLIBC[release]
    tags = [f"manylinux_{major}_{k}_{machine}" for k in range(minor, 16, -1)]
    legacy = {"x86_64": ["manylinux2014", "manylinux2010", "manylinux1"], "aarch64": ["manylinux2014"]}
    return [*tags, *(f"{t}_{machine}" for t in legacy.get(machine, [])), "any"]


def check_release(release: str) -> str:
    """``release`` if a base image can be made of it.

    Raises:
        ImageBuildError: it is not one of :data:`RELEASES` (the message lists them).
    """
    if release not in RELEASES:
        known = ", ".join(f"{r} (Python {v})" for r, v in RELEASES.items())
        raise ImageBuildError(f"unknown release {release!r} for a base image; known: {known}")
    return release


def release_of(ref: str) -> str:
    """The release of a base image reference (``horizonbench/base:bullseye`` -> ``bullseye``)."""
    tag = ref.partition(":")[2] or DISTRO
    return tag.split("-", 1)[0]


def image_name(release: str = DISTRO) -> str:
    """The plain tag of a release's base image, e.g. ``horizonbench/base:bullseye``."""
    return f"{REPOSITORY}:{check_release(release)}"


def recipe_hash(release: str = DISTRO) -> str:
    """A hash of everything that decides the base image's contents."""
    recipe = {"v": RECIPE_VERSION, "distro": check_release(release), "packages": sorted(PACKAGES), "env": ENV}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]


def hashed_tag(release: str = DISTRO) -> str:
    return f"{REPOSITORY}:{release}-{recipe_hash(release)}"


@dataclass
class BaseImageInfo:
    tag: str
    image_id: str
    method: str
    recipe: str
    size_mb: float
    built: bool
    """Whether this call built it (False: it was already present)."""


def info(release: str = DISTRO) -> BaseImageInfo | None:
    """The base image of the current recipe for ``release``, if present."""
    try:
        image = engine.client().images.get(hashed_tag(release))
    except docker.errors.ImageNotFound:
        return None
    labels = image.labels or {}
    return BaseImageInfo(
        tag=image_name(release),
        image_id=image.id or "",
        method=labels.get(LABEL_METHOD, "unknown"),
        recipe=labels.get(LABEL_RECIPE, ""),
        size_mb=round(int(image.attrs.get("Size", 0)) / 1e6, 1),
        built=False,
    )


def ensure(rebuild: bool = False, release: str = DISTRO) -> BaseImageInfo:
    """Make sure the base image of the current recipe for ``release`` exists, building it if needed.

    Raises:
        ImageBuildError: the release is unknown, or neither a registry nor debootstrap could produce it.
    """
    name = image_name(release)
    present = None if rebuild else info(release)
    if present is not None:
        _tag(present.image_id, release)
        return present
    started = time.monotonic()
    try:
        method = _from_registry(release)
    except _NoRegistry as exc:
        log.info("no registry answers (%s); bootstrapping %s from Debian packages", exc, name)
        method = _from_debootstrap(release)
    built = info(release)
    if built is None:
        raise ImageBuildError(f"building {name} left no image tagged {hashed_tag(release)}")
    _tag(built.image_id, release)
    log.info("built %s by %s in %.0f s", name, method, time.monotonic() - started)
    built.built = True
    return built


def require(release: str = DISTRO) -> str:
    """The base image tag of ``release``, or a clear error naming the command that builds it."""
    if info(release) is None:
        flag = "" if release == DISTRO else f" --release {release}"
        raise ImageMissing(
            f"base image {hashed_tag(release)} is missing; build it with 'horizonbench images base{flag}'"
        )
    return image_name(release)


class _NoRegistry(Exception):
    pass


def _labels(method: str, release: str) -> dict[str, str]:
    return {LABEL_RECIPE: recipe_hash(release), LABEL_METHOD: method}


def _tag(image_id: str, release: str) -> None:
    api = engine.client().api
    api.tag(image_id, REPOSITORY, release)
    api.tag(image_id, REPOSITORY, f"{release}-{recipe_hash(release)}")


def _from_registry(release: str) -> str:
    client = engine.client()
    official, tag = ("ubuntu", release) if release in UBUNTU else ("debian", f"{release}-slim")
    try:
        client.images.pull(official, tag=tag)
    except docker.errors.APIError as exc:
        raise _NoRegistry(str(exc.explanation or exc).splitlines()[0][:120]) from None
    env = "".join(f" {k}={json.dumps(v)}" for k, v in ENV.items())
    labels = "".join(f" {k}={json.dumps(v)}" for k, v in _labels("registry", release).items())
    dockerfile = (
        f"FROM {official}:{tag}\n"
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
        f"{' '.join(PACKAGES)} && rm -rf /var/lib/apt/lists/*\n"
        f'ENV{env}\nLABEL{labels}\nCMD ["bash"]\n'
    )
    try:
        client.images.build(
            fileobj=io.BytesIO(dockerfile.encode()), tag=hashed_tag(release), network_mode="host", rm=True
        )
    except docker.errors.BuildError as exc:
        raise ImageBuildError(f"building {image_name(release)} from {official}:{tag} failed: {exc.msg}") from None
    return "registry"


def _from_debootstrap(release: str) -> str:
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            "no registry answers and debootstrap is missing; install it ('apt-get install debootstrap') "
            "or run scripts/setup-docker.sh, then 'horizonbench images base'"
        )
    if os.geteuid() != 0:
        raise ImageBuildError("bootstrapping the base image with debootstrap needs root; run as root")
    with tempfile.TemporaryDirectory(prefix="hb-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        logfile = Path(tempfile.gettempdir()) / f"horizonbench-debootstrap-{release}.log"
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}"]
        if release in UBUNTU:
            # socat and python3-pip are in universe; the suite's script is Ubuntu's one
            # (a debootstrap older than the release may not name it).
            script = Path("/usr/share/debootstrap/scripts") / release
            cmd += ["--components=main,universe", f"--keyring={ubuntu_keyring()}", release, str(rootfs), UBUNTU_MIRROR]
            cmd += [] if script.exists() else ["/usr/share/debootstrap/scripts/gutsy"]
        else:
            cmd += [release, str(rootfs), MIRROR]
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
        changes += [f"LABEL {k}={v}" for k, v in _labels("debootstrap", release).items()]
        changes.append('CMD ["bash"]')
        engine.client().api.import_image_from_file(
            str(tarball), repository=REPOSITORY, tag=f"{release}-{recipe_hash(release)}", changes=changes
        )
    return "debootstrap"
