"""Task images: built from a task's ``environment/`` on the local engine, tagged by a
hash of their build context and base, and never rebuilt while that tag exists; or a
task's prebuilt ``docker_image``, used as is when the engine has it, pulled where a
registry serves it, and built from ``environment/`` where none does. Stand-ins from the
run's image map replace a ``docker_image`` or the ``FROM`` images of a build.

Builds use host networking (``apt-get`` in a Dockerfile reaches the mirror); containers
never get a network. Python requirements a task declares are resolved and downloaded
on the host with pip, which honours the host's pip configuration, proxies and
certificates, into ``wheelhouse/`` in the build context; the Dockerfile installs them
with ``pip install --no-index --find-links``. Pinned source distributions a task names
(``[environment] source_packages``) are downloaded on the host the same way into
``sources/``, so the project a repository task is built on comes from its registry at
build time and is never kept in the task directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import docker.errors
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from horizonbench.errors import ImageBuildError, ImageMissing, TaskError
from horizonbench.hashing import hash_tree
from horizonbench.models.image import ImageOrigin, ImagePolicy, ImageSource
from horizonbench.models.task import TaskConfig
from horizonbench.sandbox import base_image, engine, image_map, pull, wheelhouse
from horizonbench.validation import load_model

log = logging.getLogger(__name__)


class Task(Protocol):
    """What an image is made from: a task's name, its configuration and its ``environment/``
    (a loaded :class:`horizonbench.tasks.loader.Task` is one). Declared here so the sandbox
    layer needs nothing from the task loader above it."""

    @property
    def name(self) -> str: ...

    @property
    def config(self) -> TaskConfig: ...

    @property
    def environment_dir(self) -> Path: ...

    def environment_includes(self) -> dict[str, Path]: ...


@dataclass(frozen=True)
class Layer:
    """A shared environment image several tasks build on (``[environment] layer``): a folder
    with a Dockerfile and a ``layer.toml`` holding an ``[environment]`` table. It is built
    like a task image, by the same code, so it is content-hashed and never rebuilt while present."""

    path: Path
    config: TaskConfig

    @property
    def name(self) -> str:
        return f"layer-{self.path.name}"

    @property
    def environment_dir(self) -> Path:
        return self.path

    def environment_includes(self) -> dict[str, Path]:
        return {}


def layer_of(task: Task) -> Layer | None:
    """The layer a task's image builds on, or None.

    Raises:
        TaskError: ``[environment] layer`` names no folder with a Dockerfile and a layer.toml.
    """
    rel = task.config.environment.layer
    if not rel:
        return None
    folder = (task.environment_dir.parent / rel).resolve()
    if not (folder / "Dockerfile").is_file() or not (folder / "layer.toml").is_file():
        raise TaskError(
            f"task {task.name}: [environment] layer {rel!r} is not a folder with a Dockerfile and a layer.toml"
        )
    return Layer(folder, load_model(folder / "layer.toml", TaskConfig, TaskError))


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def cache_dir() -> Path:
    """Where build logs and wheelhouses are kept (HORIZONBENCH_CACHE overrides)."""
    root = Path(os.environ.get("HORIZONBENCH_CACHE", Path.home() / ".cache" / "horizonbench"))
    root.mkdir(parents=True, exist_ok=True)
    return root


@dataclass(frozen=True)
class TaskImage:
    tag: str
    image_id: str
    workdir: str
    built: bool
    build_seconds: float = 0.0
    log_path: str = ""
    origin: ImageOrigin | None = None
    """How the image came to be (pulled, built, local, stand-in); recorded in the trial's result."""
    prebuilt: bool = False
    """Whether it is the task's ``docker_image`` (or its stand-in) rather than a build of ``environment/``:
    a SWE-bench task grades with its record's eval script only there."""


def _lock(tag: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(tag, threading.Lock())


# Refs no registry served, with the reason, so the trials of a run ask once per process.
_unserved: dict[str, str] = {}
_failed_builds: dict[str, str] = {}
"""Build tags whose build failed in this process, with the error: not tried again."""
# Images this process pulled or built (tag -> image id, how): the other trials of the run
# record how their image came to be, not merely that the first trial left it here; and
# --force-build builds once per run, not once per trial.
_made_here: dict[str, tuple[str, ImageSource]] = {}


def _source(tag: str, image_id: str, otherwise: ImageSource) -> ImageSource:
    made = _made_here.get(tag)
    return made[1] if made and made[0] == image_id else otherwise


def _dockerfile(task: Task) -> Path:
    return task.environment_dir / "Dockerfile"


def _rewritten(task: Task, policy: ImagePolicy) -> image_map.Rewritten:
    return image_map.rewrite_from(_dockerfile(task).read_text(encoding="utf-8", errors="replace"), policy)


def _image_id(ref: str) -> str | None:
    try:
        return engine.client().images.get(ref).id
    except docker.errors.ImageNotFound:
        return None


def build_tag(task: Task, policy: ImagePolicy | None = None) -> str:
    """The content-hash tag of the image built from the task's ``environment/`` (with the
    FROM images the image map puts in, so a stand-in base gives its own tag)."""
    env = task.config.environment
    h = hashlib.sha256()
    h.update(hash_tree(task.environment_dir).encode())
    for dest, src in sorted(task.environment_includes().items()):
        h.update(dest.encode() + b"\0" + hashlib.sha256(src.read_bytes()).digest())
    h.update(json.dumps(sorted(env.python_requirements)).encode())
    if env.python_downloads:
        h.update(json.dumps(["downloads", *sorted(env.python_downloads)]).encode())
    if env.source_packages:
        h.update(json.dumps(sorted(env.source_packages)).encode())
    if env.python_version:
        h.update(f"python={env.python_version}".encode())
    layer = layer_of(task)
    if layer is not None:
        h.update(f"layer={image_tag(layer, policy)}".encode())
    # A FROM ${HB_LAYER} is not among the bases: the layer's tag is hashed in above.
    for ref in _rewritten(task, policy or ImagePolicy()).bases:
        if ref.startswith(base_image.REPOSITORY + ":"):
            base_image.require(base_image.release_of(ref))
        h.update(f"{ref}={_image_id(ref) or ref}".encode())
    name = re.sub(r"[^a-z0-9._-]+", "-", task.name.lower()).strip("-.") or "task"
    return f"hb-task/{name}:{h.hexdigest()[:16]}"


def image_tag(task: Task, policy: ImagePolicy | None = None) -> str:
    """The tag of a task's image: its prebuilt ``docker_image`` (or that image's stand-in)
    when it names one, else the content-hash tag of its build."""
    env = task.config.environment
    if env.docker_image:
        return (policy.stand_in(env.docker_image) if policy else None) or env.docker_image
    return build_tag(task, policy)


def present_tag(task: Task, policy: ImagePolicy | None = None) -> str:
    """The tag under which this engine has the task's image: its ``docker_image`` (or
    stand-in), else the build of its ``environment/`` made where no registry served it;
    :func:`image_tag` when it has neither."""
    tag = image_tag(task, policy)
    if _image_id(tag) is None and task.config.environment.docker_image and _dockerfile(task).is_file():
        built = build_tag(task, policy)
        if _image_id(built) is not None:
            return built
    return tag


def find(task: Task, policy: ImagePolicy | None = None) -> str | None:
    """The id of the task's image on this engine, or None when it would have to be built or pulled."""
    try:
        return _image_id(present_tag(task, policy))
    except ImageMissing:  # not even the base image is here
        return None


def ensure(task: Task, rebuild: bool = False, policy: ImagePolicy | None = None) -> TaskImage:
    """Make sure the task's image exists: found on the engine, pulled, or built.

    A task's ``docker_image`` (or its stand-in from ``policy.image_map``) is used as is when
    the engine has it and pulled where a registry serves it; where none does, a task that
    ships ``environment/Dockerfile`` is built from it (as Terminal-Bench tasks do).
    ``policy.force_build`` builds from ``environment/`` always.

    Raises:
        ImageMissing: the image is not here and cannot be pulled, and there is no
            ``environment/`` to build (the message carries the registry's reason).
        ImageBuildError: the build failed (the message names the task and the build log).
    """
    policy = policy or ImagePolicy()
    env = task.config.environment
    buildable = _dockerfile(task).is_file()
    if env.docker_image and not (buildable and (policy.force_build or rebuild)):
        prebuilt = _prebuilt(task, env.docker_image, policy, buildable)
        if prebuilt is not None:
            return prebuilt
    tag = build_tag(task, policy)
    with _lock(tag):
        image_id = _image_id(tag)
        if rebuild or (policy.force_build and image_id and _source(tag, image_id, "local") != "built"):
            image_id = None
        if image_id:
            origin = _build_origin(task, policy, tag, image_id, _source(tag, image_id, "local"))
            return TaskImage(tag, image_id, _workdir(task, image_id), built=False, origin=origin)
        if tag in _failed_builds and not rebuild:
            # Deterministic more often than not (a host that does not answer): each trial
            # of the run would build it again, one after the other, for the same error.
            raise ImageBuildError(f"{_failed_builds[tag]} (failed earlier in this run: not built again)")
        try:
            built = _build(task, tag, policy)
        except ImageBuildError as exc:
            _failed_builds[tag] = str(exc)
            raise
        _made_here[tag] = (built.image_id, "built")
        return built


def _build_origin(task: Task, policy: ImagePolicy, tag: str, image_id: str, source: ImageSource) -> ImageOrigin:
    rewritten = _rewritten(task, policy)
    requested = task.config.environment.docker_image
    return ImageOrigin(
        ref=tag,
        source=source,
        id=image_id,
        requested=requested,
        stand_ins=rewritten.applied,
        pull_error=_unserved.get(requested) if requested else None,
        notes=rewritten.notes,
    )


def _prebuilt(task: Task, requested: str, policy: ImagePolicy, buildable: bool) -> TaskImage | None:
    """The task's prebuilt image (or its stand-in), found or pulled; None when no registry
    serves it and the task can be built from ``environment/`` instead."""
    stand_in = policy.stand_in(requested)
    ref = stand_in or requested
    with _lock(ref):
        image_id = _image_id(ref)
        source: ImageSource = "stand-in" if stand_in else _source(ref, image_id or "", "local")
        if image_id is None and not (buildable and ref in _unserved):
            try:
                image_id = pull.pull(ref)
                source = "stand-in" if stand_in else "pulled"
                _made_here[ref] = (image_id, source)
            except pull.PullFailed as exc:
                if stand_in:
                    raise ImageMissing(
                        f"task {task.name}: the stand-in {ref!r} for {requested!r} (--image-map) is not on this "
                        f"engine and cannot be pulled ({exc.reason}); load or build it, or fix the map"
                    ) from None
                if not buildable:
                    what = "no registry serves it" if exc.absent else "the registry failed"
                    raise ImageMissing(
                        f"task {task.name}: image {ref!r} (environment.docker_image) is not on this engine and "
                        f"{what} ({exc.reason}); load it with 'docker load', map a stand-in with --image-map, "
                        "or add environment/Dockerfile"
                    ) from None
                log.info("task %s: %s; building it from environment/", task.name, exc)
                _unserved[ref] = exc.reason
    if image_id is None:
        return None
    origin = ImageOrigin(
        ref=ref,
        source=source,
        id=image_id,
        digest=pull.repo_digest(ref, image_id),
        requested=requested,
    )
    return TaskImage(ref, image_id, _workdir(task, image_id), built=False, origin=origin, prebuilt=True)


def _workdir(task: Task, image_id: str) -> str:
    if task.config.environment.workdir:
        return task.config.environment.workdir
    cfg = engine.client().images.get(image_id).attrs.get("Config") or {}
    return str(cfg.get("WorkingDir") or "/")


def download_wheelhouse(
    requirements: list[str],
    dest: Path,
    log_fh: object = None,
    python_version: str | None = None,
    downloads: list[str] | None = None,
) -> None:
    """Resolve and download ``requirements`` (and their dependencies) on the host; for
    another ``python_version`` than the host's, wheels for that version (pip cannot run
    the build of an sdist for a Python it is not running on). ``requirements.txt`` in
    ``dest`` lists ``requirements``, what the image installs. ``downloads`` are resolved
    apart (their versions need not agree with the pins of ``requirements``: a later install
    resolves them against what is installed then) into the same folder.

    Raises:
        ImageBuildError: pip could not resolve or download them.
    """
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "requirements.txt").write_text("\n".join(requirements) + "\n")
    if requirements:
        _pip_download(["-r", str(dest / "requirements.txt")], requirements, dest, log_fh, python_version)
    if downloads:
        _pip_download(list(downloads), downloads, dest, log_fh, python_version)


def _pip_download(args: list[str], named: list[str], dest: Path, log_fh: object, python_version: str | None) -> None:
    # Not --quiet: pip then leaves out which requirement has no distribution.
    cmd = [sys.executable, "-m", "pip", "download", "--progress-bar", "off", "--dest", str(dest)]
    other = bool(python_version) and python_version != f"{sys.version_info[0]}.{sys.version_info[1]}"
    if other:
        cmd += ["--python-version", str(python_version), "--only-binary", ":all:"]
        # Wheels the target's glibc loads, not the host's: pip would take the host's platform.
        platforms = base_image.wheel_platforms(str(python_version), platform.machine())
        if platforms:
            major, minor = (int(x) for x in str(python_version).split(".")[:2])
            abi = f"cp{major}{minor}{'m' if (major, minor) < (3, 8) else ''}"  # pymalloc's "m" until 3.8
            cmd += ["--implementation", "cp", "--abi", abi, "--abi", "abi3", "--abi", "none"]
            cmd += [arg for tag in platforms for arg in ("--platform", tag)]
    wanted = list(args)
    built: set[str] = set()
    build_needs: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hb-placeholders-") as placeholders:
        for _ in range(10):
            proc = subprocess.run([*cmd, *wanted], capture_output=True, text=True, check=False)
            if log_fh is not None:
                log_fh.write(f"$ {' '.join([*cmd, *wanted])}\n{proc.stdout}{proc.stderr}\n")  # type: ignore[attr-defined]
            if proc.returncode != 0 and other:
                # A requirement published as an sdist only (docopt, pywatchman): built on the
                # host where it is pure Python, else kept as an sdist for the image to build.
                said = proc.stdout + proc.stderr  # pip explains a conflict on stdout
                tail = said.split("no matching distributions", 1)[-1].split("\n\n", 1)[0]
                named_there = _NO_DISTRIBUTION.findall(tail) if "no matching distributions" in said else []
                sdist_only = {*named_there, *_NOT_FOUND.findall(said)} - built
                needs = _sdist_only(sorted(sdist_only), dest, Path(placeholders), log_fh, str(python_version))
                if sdist_only and needs is not None:
                    built |= sdist_only
                    build_needs += [n for n in needs if n not in build_needs]
                    if "--find-links" not in cmd:
                        cmd += ["--find-links", str(dest), "--find-links", placeholders]
                    continue
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
                where = f" for Python {python_version}" if python_version else ""
                raise ImageBuildError(f"pip download of {named}{where} failed: {last}")
            # pip evaluates dependency markers for the Python running it, not the target's.
            extra = wheelhouse.missing(dest, str(python_version)) if other else []
            if not extra:
                break
            wanted = extra
        else:
            raise ImageBuildError(f"the wheelhouse of {named} for Python {python_version} does not close")
        for placeholder in Path(placeholders).glob("*.whl"):
            (dest / placeholder.name).unlink(missing_ok=True)  # the sdist beside it is what installs
    if build_needs:
        # What building the kept sdists in the image takes, resolved apart from the
        # requirements (a pinned setuptools there need not build them).
        _pip_download(build_needs, build_needs, dest, log_fh, python_version)


# pip's two ways of saying a requirement has no distribution here: a dependency in a conflict
# ("...no matching distributions available for your environment:" then one name a line), or
# a requirement asked for by name.
_NO_DISTRIBUTION = re.compile(r"^\s{4}([A-Za-z0-9][A-Za-z0-9._-]*)\s*$", re.M)
_NOT_FOUND = re.compile(r"No matching distribution found for ([A-Za-z0-9]\S*)")  # with its version

BUILD_PACKAGES = "hb-build-packages.txt"
"""A wheelhouse's list of the Debian packages that building its sdists needs ("" for none)."""
# What compiling a C extension for the image's Python takes, and the system libraries
# known sdists of SWE-bench's requirements files link against.
_COMPILE = ["gcc", "g++", "libc6-dev", "python3-dev"]
_SYSTEM_LIBRARIES = {
    "pylibmc": ["libmemcached-dev", "zlib1g-dev"],
    "mysqlclient": ["default-libmysqlclient-dev", "pkg-config"],
    "psycopg2": ["libpq-dev"],
}
_DEFAULT_BUILD_REQUIRES = ["setuptools>=40.8.0", "wheel"]  # PEP 518's, for an sdist without [build-system]


def _sdist_only(
    specs: list[str], dest: Path, placeholders: Path, log_fh: object, python_version: str
) -> list[str] | None:
    """Make sdist-only requirements installable on ``python_version``: a pure-Python wheel
    built on the host serves any Python; otherwise the sdist is kept in ``dest`` for the
    image to build (with the Debian packages that takes, in :data:`BUILD_PACKAGES`), and a
    metadata-only wheel in ``placeholders`` stands in for it while pip resolves the rest.
    Returns the build requirements of the kept sdists, or None where one cannot be had."""
    needs: list[str] = []
    for spec in specs:
        with tempfile.TemporaryDirectory(prefix="hb-wheel-") as tmp:
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-w",
                tmp,
                spec,
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if log_fh is not None:
                log_fh.write(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}\n")  # type: ignore[attr-defined]
            wheels = list(Path(tmp).glob("*.whl"))
            if proc.returncode == 0 and len(wheels) == 1 and wheels[0].name.endswith("-none-any.whl"):
                shutil.copy2(wheels[0], dest / wheels[0].name)
                continue
            host_meta = wheelhouse.wheel_metadata(wheels[0]) if proc.returncode == 0 and len(wheels) == 1 else None
            got = _download_sdist(spec, dest, log_fh, python_version)
            if got is None:
                return None
            sdist, pkg_info, build_requires = got
            _placeholder(host_meta or pkg_info, placeholders)
            needs += [r for r in build_requires if r not in needs]
            name = canonicalize_name(Requirement(spec).name)
            listed = (dest / BUILD_PACKAGES).read_text().split() if (dest / BUILD_PACKAGES).is_file() else []
            wanted = [*_COMPILE, *_SYSTEM_LIBRARIES.get(name, [])]
            (dest / BUILD_PACKAGES).write_text(" ".join(dict.fromkeys([*listed, *wanted])) + "\n")
            log.info("%s: no wheel for Python %s; its sdist %s is built in the image", spec, python_version, sdist.name)
    return needs


def _download_sdist(spec: str, dest: Path, log_fh: object, python_version: str) -> tuple[Path, str, list[str]] | None:
    """The newest sdist of ``spec`` for ``python_version`` downloaded into ``dest``, with its
    PKG-INFO and its build requirements; None where pip finds none."""
    before = set(dest.iterdir())
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
    cmd += ["--python-version", python_version, "--dest", str(dest), spec]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if log_fh is not None:
        log_fh.write(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}\n")  # type: ignore[attr-defined]
    new = [p for p in set(dest.iterdir()) - before if p.name.endswith((".tar.gz", ".zip"))]
    if proc.returncode != 0 or len(new) != 1:
        return None
    pkg_info, pyproject = wheelhouse.sdist_files(new[0])
    requires = _DEFAULT_BUILD_REQUIRES
    if pyproject:
        import tomllib

        try:
            table = tomllib.loads(pyproject).get("build-system") or {}
        except tomllib.TOMLDecodeError:
            table = {}
        if isinstance(table.get("requires"), list):
            requires = [str(r) for r in table["requires"]]
    return new[0], pkg_info, requires


def _placeholder(metadata: str, folder: Path) -> None:
    """A wheel of ``metadata`` (its name, version and Requires-Dist) with nothing to install:
    pip resolves with it where only an sdist exists for the target Python."""
    import zipfile
    from email.parser import HeaderParser

    meta = HeaderParser().parsestr(metadata)
    name, version = str(meta["Name"]), str(meta["Version"])
    stem = f"{re.sub(r'[-_.]+', '_', name)}-{version}"
    lines = [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"]
    lines += [f"Requires-Dist: {r}\n" for r in meta.get_all("Requires-Dist") or []]
    if meta["Requires-Python"]:
        lines.append(f"Requires-Python: {meta['Requires-Python']}\n")
    with zipfile.ZipFile(folder / f"{stem}-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{stem}.dist-info/METADATA", "".join(lines))
        zf.writestr(
            f"{stem}.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: horizonbench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zf.writestr(f"{stem}.dist-info/RECORD", "")


def download_sources(specs: list[str], dest: Path, log_fh: object = None) -> list[Path]:
    """Download each pinned sdist (``name==version``) on the host into ``dest``.

    Sdists are kept in the cache (``<cache>/sources/``), so a rebuild needs no network.

    Raises:
        ImageBuildError: pip could not download one of them.
    """
    dest.mkdir(parents=True, exist_ok=True)
    got: list[Path] = []
    for spec in specs:
        cached = cache_dir() / "sources" / re.sub(r"[^A-Za-z0-9._=-]+", "_", spec)
        if not any(cached.glob("*.tar.gz")) and not any(cached.glob("*.zip")):
            tmp = Path(tempfile.mkdtemp(prefix="dl-", dir=cache_dir()))
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
            cmd += ["--dest", str(tmp), spec]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if log_fh is not None:
                log_fh.write(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}\n")  # type: ignore[attr-defined]
            if proc.returncode != 0:
                shutil.rmtree(tmp, ignore_errors=True)
                last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
                raise ImageBuildError(f"download of the sdist {spec} (environment.source_packages) failed: {last}")
            shutil.rmtree(cached, ignore_errors=True)
            cached.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, cached)  # atomic: concurrent builds never see half a download
        for f in sorted(cached.iterdir()):
            shutil.copy2(f, dest / f.name)
            got.append(dest / f.name)
    return got


def _build(task: Task, tag: str, policy: ImagePolicy) -> TaskImage:
    import time

    logs = cache_dir() / "build-logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{tag.replace('/', '_').replace(':', '_')}.log"
    started = time.monotonic()
    layer = layer_of(task)
    # The shared layer first (present: a no-op); the task's Dockerfile is FROM its tag.
    build_args = {"HB_LAYER": ensure(layer, policy=policy).tag} if layer is not None else {}
    log.info("building image %s for task %s", tag, task.name)
    with tempfile.TemporaryDirectory(prefix="hb-ctx-") as tmp, open(log_path, "w") as fh:
        ctx = Path(tmp) / "context"
        shutil.copytree(task.environment_dir, ctx, symlinks=True)
        rewritten = _rewritten(task, policy)
        if rewritten.applied:
            (ctx / "Dockerfile").write_text(rewritten.text, encoding="utf-8")
        for original, used in rewritten.applied.items():
            fh.write(f"image map: FROM {original} -> FROM {used}\n")
        for note in rewritten.notes:
            log.warning("task %s: %s", task.name, note)
            fh.write(f"image map: {note}\n")
        for dest, src in task.environment_includes().items():
            (ctx / dest).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, ctx / dest)
        env = task.config.environment
        if env.python_requirements or env.python_downloads:
            try:
                download_wheelhouse(
                    env.python_requirements, ctx / "wheelhouse", fh, env.python_version, env.python_downloads
                )
            except ImageBuildError as exc:
                raise ImageBuildError(f"task {task.name}: {exc}; build log: {log_path}") from None
        else:
            (ctx / "wheelhouse").mkdir(exist_ok=True)
        # sources/ always exists, so a Dockerfile may COPY it whether or not the task names sdists.
        try:
            download_sources(task.config.environment.source_packages, ctx / "sources", fh)
        except ImageBuildError as exc:
            raise ImageBuildError(f"task {task.name}: {exc}; build log: {log_path}") from None
        api = engine.client().api
        build_started = time.monotonic()
        try:
            stream = api.build(
                path=str(ctx),
                tag=tag,
                network_mode="host",
                rm=True,
                forcerm=True,
                decode=True,
                labels={"horizonbench.task": task.name},
                buildargs=build_args,
                timeout=int(task.config.environment.build_timeout_sec),
            )
            error = None
            limit = task.config.environment.build_timeout_sec
            for chunk in stream:
                if time.monotonic() - build_started > limit:
                    # The read timeout bounds a silent step; a build that keeps printing is
                    # cut here (closing the stream ends the engine's build with it).
                    stream.close()
                    error = f"the build ran past build_timeout_sec ({limit:g} s)"
                    fh.write(f"ERROR: {error}\n")
                    break
                if "stream" in chunk:
                    fh.write(chunk["stream"])
                elif "error" in chunk:
                    error = chunk["error"].strip()
                    fh.write(f"ERROR: {error}\n")
        except (docker.errors.APIError, OSError) as exc:
            error = str(exc)
            fh.write(f"ERROR: {error}\n")
    image_id = None if error else _image_id(tag)
    if image_id is None:
        last = (error or "no image produced").splitlines()[-1][:200]
        raise ImageBuildError(f"task {task.name}: image build failed ({last}); build log: {log_path}")
    return TaskImage(
        tag,
        image_id,
        _workdir(task, image_id),
        built=True,
        build_seconds=time.monotonic() - started,
        log_path=str(log_path),
        origin=_build_origin(task, policy, tag, image_id, "built"),
    )


def save_images(tags: list[str], directory: Path) -> Path | None:
    """``docker save`` the images into one tar in ``directory`` (layers they share are
    stored once), named by a hash of the tags; returns None when that tar exists already
    (tags are content hashes, so it holds the same images)."""
    for tag in tags:
        if _image_id(tag) is None:
            raise ImageMissing(f"image {tag!r} is not on this engine; build it first ('horizonbench images build')")
    directory.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(json.dumps(sorted(tags)).encode()).hexdigest()[:16]
    path = directory / f"images-{key}.tar"
    if path.exists():
        return None
    api = engine.client().api
    resp = api.get(f"{api.base_url}/v{api.api_version}/images/get", params={"names": tags}, stream=True)
    if resp.status_code != 200:
        raise ImageBuildError(f"saving images failed: HTTP {resp.status_code} {resp.text[:200]}")
    tmp = path.with_suffix(".tar.part")
    with open(tmp, "wb") as fh:
        for chunk in resp.iter_content(1 << 20):
            fh.write(chunk)
    os.replace(tmp, path)
    return path


def load_images(directory: Path) -> list[str]:
    """``docker load`` every ``*.tar`` of ``directory``; returns the tags loaded."""
    tags: list[str] = []
    for path in sorted(directory.glob("*.tar")):
        with open(path, "rb") as fh:
            for image in engine.client().images.load(fh):
                tags.extend(image.tags)
    return tags
