"""Environments of SWE-bench instances, layered as SWE-bench layers them.

An instance's environment is given by its specification: the Python version, the
packages and pip packages, the commands to run before the install (``pre_install``) and
the install of the repository itself (``install``). swebench 4.x kept these in a table per
(repository, version); swebench 5 moved them into the records. Fields a record carries win;
what it lacks comes from ``data/swebench_specs.json`` (the 4.1.0 table for the repositories of
SWE-bench Lite and Verified); a record of another repository gets the default environment
(bookworm's Python, pytest).

The image is built in two layers:

- the **environment layer**, one per (repo, version, environment_setup_commit), shared by
  its instances: the base image of the release (Debian's or Ubuntu's) whose Python the spec names, a current
  pip, then the requirements from a wheelhouse downloaded on the host (kept in the image at
  :data:`WHEELHOUSE` for the instance's install). The wheelhouse also holds what installing
  the repository needs, as its own files say at the setup commit
  (:mod:`horizonbench.tasks.swebench_deps`): its build requirements are installed, its
  runtime dependencies (with the extras the install names) are downloaded for the install;
- the **instance layer** (the task's own ``environment/``): the source at ``base_commit``,
  ``pre_install``, and the repository's install, offline (``--no-index`` from the layer's
  wheelhouse, ``--no-build-isolation``). What the project needs at ``base_commit`` beyond
  what it needed at the setup commit comes in the instance's own wheelhouse.

A Python no release here ships is unsupported: the instance is reported, not
imported broken.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from horizonbench.sandbox import base_image
from horizonbench.sandbox.images import BUILD_PACKAGES
from horizonbench.tasks import swebench_deps

SPEC_KEYS = ("python", "packages", "pip_packages", "install", "pre_install", "eval_commands", "test_cmd")
DEFAULT_PYTHON = base_image.RELEASES[base_image.DISTRO]
WHEELHOUSE = "/opt/hb-wheelhouse"
INSTANCE_WHEELHOUSE = "/opt/hb-wheelhouse-instance"
LAYERS_DIR = "_environments"
# Tools an offline `pip install -e .` / `--no-build-isolation` build needs in the image.
BUILD_TOOLS = ["setuptools", "wheel"]
# Pythons of SWE-bench specs that no release with a base image here ships.
UNSUPPORTED_PYTHON = {
    v: f"Python {v} is not shipped by any release with a base image here "
    f"({', '.join(f'{r}: {p}' for r, p in base_image.RELEASES.items())}); building it from source offline is not done"
    for v in ("3.5", "3.6", "3.7", "3.8", "3.10", "3.12")
    if v not in base_image.RELEASES.values()
}

class Unsupported(Exception):
    """An instance whose environment cannot be built here; the message says why."""


@dataclass
class EnvSpec:
    """The environment of one SWE-bench instance."""

    repo: str
    version: str
    python: str
    packages: list[str] = field(default_factory=list)
    pip_packages: list[str] = field(default_factory=list)
    install: str = ""
    pre_install: list[str] = field(default_factory=list)
    eval_commands: list[str] = field(default_factory=list)
    test_cmd: str = ""
    source: str = "default"
    """Where the spec came from: "record", the table's source, "record+<table source>", or "default"."""
    requirements_from: str = ""
    """'requirements.txt' when ``packages`` says to read the repository's requirements files."""
    fallback: list[str] = field(default_factory=list)
    """Requirements added when nothing else brings pytest (the verifier runs it)."""

    @property
    def release(self) -> str:
        """The release (Debian's or Ubuntu's) of the base image that ships this spec's Python."""
        for release, version in base_image.RELEASES.items():
            if version == self.python:
                return release
        raise Unsupported(UNSUPPORTED_PYTHON.get(self.python) or f"Python {self.python!r} is not supported")


@cache
def specs_table() -> dict[str, Any]:
    """The shipped table of specifications (``data/swebench_specs.json``)."""
    text = resources.files("horizonbench.tasks").joinpath("data/swebench_specs.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


def record_spec(inst: dict[str, Any]) -> dict[str, Any]:
    """The spec fields a record carries: top-level keys of :data:`SPEC_KEYS`, or a ``spec`` object."""
    nested = inst.get("spec")
    out = {k: inst[k] for k in SPEC_KEYS if inst.get(k) not in (None, "", [])}
    if isinstance(nested, dict):
        out.update({k: v for k, v in nested.items() if k in SPEC_KEYS and v not in (None, "", [])})
    return out


def merged_spec(inst: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The spec fields of an instance, the record's over the table's, and where they came
    from: "record", the table's source, "record+<table source>", or "default"."""
    repo, version = str(inst.get("repo") or ""), str(inst.get("version") or "")
    table = specs_table()
    from_table = table["repos"].get(repo, {}).get("versions", {}).get(version, {})
    own = record_spec(inst)
    if own and from_table:
        source = f"record+{table['source']}"
    elif own:
        source = "record"
    elif from_table:
        source = str(table["source"])
    else:
        source = "default"
    return {**from_table, **own}, source


def resolve(inst: dict[str, Any], default_requirements: list[str]) -> EnvSpec:
    """The environment spec of an instance: the record's fields over the table's.

    Raises:
        Unsupported: its Python has no base image here, or its packages are a conda file.
    """
    repo, version = str(inst.get("repo") or ""), str(inst.get("version") or "")
    merged, source = merged_spec(inst)
    python = str(merged.get("python") or DEFAULT_PYTHON)
    spec = EnvSpec(repo=repo, version=version, python=python, source=source, fallback=list(default_requirements))
    spec.release  # noqa: B018 - raises Unsupported for a Python with no base image
    packages = merged.get("packages") or ""
    if packages == "environment.yml":
        raise Unsupported(f"{repo} {version}: its packages are a conda environment.yml, which is not supported")
    elif packages == "requirements.txt":
        spec.requirements_from = "requirements.txt"
    elif isinstance(packages, str):
        spec.packages = [_conda_pin(p) for p in shlex.split(packages)]
    spec.pip_packages = spec.pip_packages or [str(p) for p in merged.get("pip_packages") or []]
    spec.install = str(merged.get("install") or "")
    spec.pre_install = [str(c) for c in merged.get("pre_install") or []]
    spec.eval_commands = [str(c) for c in merged.get("eval_commands") or []]
    test_cmd = merged.get("test_cmd") or ""
    spec.test_cmd = " ".join(test_cmd) if isinstance(test_cmd, list) else str(test_cmd)
    for cmd in [spec.install, *spec.pre_install]:
        if "\n" in cmd:
            raise Unsupported(f"{repo} {version}: a multi-line install command is not supported: {cmd[:80]!r}")
    return spec


def _conda_pin(package: str) -> str:
    """A conda-style pin (``numpy=1.19``) as pip's (``numpy==1.19.*``); pip specs unchanged."""
    m = re.fullmatch(r"([A-Za-z0-9._-]+)=([^=<>!~].*)", package)
    return f"{m.group(1)}=={m.group(2)}.*" if m and "*" not in m.group(2) else package


def requirements(spec: EnvSpec, clone: Path, setup_commit: str) -> list[str]:
    """What the environment layer installs: packages, pip packages, the repository's
    requirements files at ``setup_commit`` where the spec says so, and build tools.

    Raises:
        Unsupported: a requirements file the spec needs is not at that commit.
    """
    reqs = [*spec.packages, *spec.pip_packages]
    if spec.requirements_from:
        paths = specs_table()["repos"].get(spec.repo, {}).get("requirements_paths", ["requirements.txt"])

        def read(rel: str) -> str | None:
            shown = subprocess.run(
                ["git", "show", f"{setup_commit}:{rel}"], cwd=clone, capture_output=True, text=True, check=False
            )
            return shown.stdout if shown.returncode == 0 else None

        for rel in paths:
            text = read(rel)
            if text is not None:
                # swebench installs the spec's pip packages after the requirements file: a
                # package both name is the spec's (flask 2.0: MarkupSafe==2.1.3, not the
                # file's markupsafe==2.0.1).
                spec_names = {_name(r) for r in reqs}
                lines = _requirement_lines(text, read, posixpath.dirname(rel), frozenset({rel}))
                reqs += [r for r in lines if _name(r) not in spec_names]
                break
        else:
            raise Unsupported(f"none of {', '.join(paths)} is in {spec.repo} at {setup_commit[:12]}")
    # pytest's own repository brings pytest by its install; a released pytest beside it
    # conflicts with the pins of its dependencies (pluggy==0.13.1).
    installs_pytest = bool(spec.install) and spec.repo.rpartition("/")[2].lower() == "pytest"
    if not installs_pytest and not any(_name(r) == "pytest" for r in reqs):
        reqs += spec.fallback
    if spec.install:
        reqs += [t for t in BUILD_TOOLS if not any(_name(r) == t for r in reqs)]
    return list(dict.fromkeys(r for r in reqs if _name(r) != "python"))


@dataclass(frozen=True)
class LayerRequirements:
    """What a layer's wheelhouse holds: requirements it installs, and requirements only
    downloaded into it for a later install (the repository's) to take offline."""

    install: list[str] = field(default_factory=list)
    download: list[str] = field(default_factory=list)
    spec: list[str] = field(default_factory=list)
    """The spec's own requirements (part of ``install``): their pins win over the project's."""
    pip: str = ""
    """The pip the layer upgrades to first (one of ``download``); "" for none."""
    method: str = ""
    """How the project's own requirements were read (see :class:`swebench_deps.ProjectNeeds`)."""


# pip 25.3 removed the legacy paths: `setup.py develop` editable installs (PEP 660 needs
# setuptools >= 64) and --no-use-pep517. An environment that relies on them gets the last pip
# that has them; every other gets the newest pip for its Python.
PIP_WITH_LEGACY = "pip<25.3"


def layer_requirements(spec: EnvSpec, clone: Path, setup_commit: str) -> LayerRequirements:
    """The environment layer's wheelhouse: :func:`requirements`, plus, for a spec that installs
    the repository, what its files at ``setup_commit`` ask for (build requirements installed,
    runtime dependencies downloaded), and pip.

    Raises:
        Unsupported: a requirements file the spec needs is not at that commit.
    """
    install = requirements(spec, clone, setup_commit)
    if not spec.install:
        return LayerRequirements(install=install, download=["pip"], spec=install, pip="pip")
    needs = project_needs(spec, clone, setup_commit)
    named = {_name(r) for r in install}
    build = [b for b in needs.build if _name(b) not in named]
    pip = pip_requirement(spec.install, [*install, *build])
    return LayerRequirements(
        install=list(dict.fromkeys([*install, *build])),
        download=list(dict.fromkeys([pip, *needs.runtime])),
        spec=install,
        pip=pip,
        method=needs.method,
    )


def instance_requirements(spec: EnvSpec, clone: Path, base_commit: str, layer: LayerRequirements) -> LayerRequirements:
    """What the repository needs at ``base_commit`` that its layer does not hold: build
    requirements to install and runtime dependencies to download in the instance's wheelhouse."""
    if not spec.install:
        return LayerRequirements()
    needs = project_needs(spec, clone, base_commit)
    pinned = _names(layer.spec)
    install = [b for b in needs.build if b not in layer.install and _name(b) not in pinned]
    download = [r for r in needs.runtime if r not in layer.download]
    return LayerRequirements(install=install, download=download, method=needs.method)


def project_needs(spec: EnvSpec, clone: Path, commit: str) -> swebench_deps.ProjectNeeds:
    """The repository's requirements at ``commit`` for the spec's Python, extras and edits."""
    extras = swebench_deps.extras_of(spec.install)
    return swebench_deps.project_needs(clone, commit, spec.python, extras, spec.pre_install)


def pip_requirement(install: str, requirements: list[str]) -> str:
    """The pip an environment gets: the newest, unless the install needs a legacy path
    (``--no-use-pep517``, or an editable install where setuptools is held below 64)."""
    if "--no-use-pep517" in install:
        return PIP_WITH_LEGACY
    editable = re.search(r"(^|\s)(-e|--editable)(\s|=)", install) is not None
    held = [s for r in requirements if _name(r) == "setuptools" and (s := _specifier(r))]
    if editable and held:
        allowed = SpecifierSet(",".join(held))
        if not any(allowed.contains(f"{major}.0") for major in range(64, 200)):
            return PIP_WITH_LEGACY
    return "pip"


def _specifier(requirement: str) -> str:
    try:
        return str(Requirement(requirement).specifier)
    except InvalidRequirement:
        return ""


def _names(requirements: list[str] | tuple[str, ...]) -> set[str]:
    return {_name(r) for r in requirements}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s+|=)(\S+)$")


def _requirement_lines(
    text: str, read: Callable[[str], str | None] | None = None, here: str = "", seen: frozenset[str] = frozenset()
) -> list[str]:
    """The requirements of a requirements file; ``-r other.txt`` lines are followed through
    ``read`` (a path relative to the repository -> its text, None where absent), relative
    to the including file's folder ``here``, as pip follows them."""
    out = []
    for line in text.splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        include = _INCLUDE.match(line)
        if include and read is not None:
            rel = posixpath.normpath(posixpath.join(here, include.group(1)))
            included = read(rel) if rel not in seen else None
            if included is not None:
                out += _requirement_lines(included, read, posixpath.dirname(rel), seen | {rel})
            continue
        if line.startswith("-"):  # -e ., --index-url, -c: nothing to download offline
            continue
        out.append(line)
    return out


def layer_key(spec: EnvSpec, setup_commit: str, reqs: list[str] | LayerRequirements) -> str:
    """The folder name of an environment layer: one per (repo, version, setup commit), with a
    digest of everything that goes into it (its Python's release, what it installs and downloads)."""
    if isinstance(reqs, LayerRequirements):
        what: list[Any] = [spec.release, reqs.install, reqs.download, reqs.pip]
    else:
        what = [spec.release, reqs]
    digest = hashlib.sha256(json.dumps(what).encode()).hexdigest()[:8]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{spec.repo.replace('/', '__')}-{spec.version}").strip("-.")
    return f"{stem}-{setup_commit[:8]}-{digest}".lower()


def write_layer(suite_dir: Path, spec: EnvSpec, setup_commit: str, reqs: list[str] | LayerRequirements) -> Path:
    """Write (or keep, when the same) the environment layer folder of a spec; returns it."""
    layer = reqs if isinstance(reqs, LayerRequirements) else LayerRequirements(install=list(reqs))
    folder = suite_dir / LAYERS_DIR / layer_key(spec, setup_commit, reqs)
    folder.mkdir(parents=True, exist_ok=True)
    read = f"; the project's requirements read: {layer.method}" if layer.method else ""
    toml = (
        f"# SWE-bench environment of {spec.repo} {spec.version} (spec: {spec.source}), "
        f"set up at {setup_commit[:12]}{read}\n"
        "[environment]\n"
        "build_timeout_sec = 3600\n"
        f"python_version = {json.dumps(spec.python)}\n"
        f"python_requirements = {json.dumps(layer.install)}\n"
    )
    if layer.download:
        toml += f"python_downloads = {json.dumps(layer.download)}\n"
    # A current pip first, with the setuptools and wheel the layer asks for: Debian's (pip 20.3
    # and setuptools 52 on bullseye) cannot install a project editable by PEP 660, and an
    # unpinned `setuptools` would be left at Debian's version, which satisfies it.
    tools = [layer.pip, *(r for r in layer.install if _name(r) in BUILD_TOOLS)] if layer.pip else []
    upgrade = (
        f"RUN python3 -m pip install --no-index --find-links {WHEELHOUSE} --upgrade {' '.join(map(shlex.quote, tools))}\n"
        if tools
        else ""
    )
    dockerfile = f"""FROM {base_image.image_name(spec.release)}
# SWE-bench calls `python`; Debian ships `python3` only.
RUN ln -sf /usr/bin/python3 /usr/local/bin/python
COPY wheelhouse {WHEELHOUSE}
{build_packages_step(WHEELHOUSE)}
{upgrade}RUN python3 -m pip install --no-index --find-links {WHEELHOUSE} -r {WHEELHOUSE}/requirements.txt
LABEL horizonbench.swebench.env={json.dumps(f"{spec.repo} {spec.version} {setup_commit[:12]}")}
"""
    for name, text in (("layer.toml", toml), ("Dockerfile", dockerfile)):
        if not (folder / name).is_file() or (folder / name).read_text() != text:
            (folder / name).write_text(text)
    return folder


def build_packages_step(wheelhouse: str) -> str:
    """A Dockerfile line that installs the Debian packages building the wheelhouse's sdists
    needs (a compiler, the Python headers, known system libraries), where it keeps any:
    requirements with no wheel for the image's Python are built in the image."""
    listed = f"{wheelhouse}/{BUILD_PACKAGES}"
    return (
        f"RUN if [ -s {listed} ]; then apt-get update -qq \\\n"
        f"  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(cat {listed}) \\\n"
        "  && rm -rf /var/lib/apt/lists/*; fi"
    )


def offline_install(command: str, wheelhouses: tuple[str, ...] = (WHEELHOUSE,)) -> str:
    """An install command made to work offline: every ``pip install`` takes its packages
    from the wheelhouses (the layer's, and the instance's where it has one) and builds with
    the tools already installed."""
    out = []
    for part in re.split(r"(\s*(?:&&|;)\s*)", command):
        m = re.match(r"^((?:python3?|python\d\.\d+)\s+-m\s+pip|pip3?)\s+install\b(.*)$", part.strip())
        if m:
            extra = " --no-index" + "".join(f" --find-links {w}" for w in wheelhouses)
            if "--no-build-isolation" not in m.group(2):
                extra += " --no-build-isolation"
            part = f"{m.group(1)} install{extra}{m.group(2)}"
        out.append(part)
    return "".join(out)


def wheelhouses(own: LayerRequirements | None) -> tuple[str, ...]:
    """The wheelhouses an instance's image holds: its layer's, and its own where it needs one."""
    if own is not None and (own.install or own.download):
        return (WHEELHOUSE, INSTANCE_WHEELHOUSE)
    return (WHEELHOUSE,)


def instance_environment(own: LayerRequirements, python_version: str) -> str:
    """The ``[environment]`` lines of an instance's task.toml for what it needs beyond its
    layer ("" when nothing): its Python, the build requirements it installs and the runtime
    dependencies its wheelhouse holds for the install."""
    if not (own.install or own.download):
        return ""
    out = f"python_version = {json.dumps(python_version)}\n"
    if own.install:
        out += f"python_requirements = {json.dumps(own.install)}\n"
    if own.download:
        out += f"python_downloads = {json.dumps(own.download)}\n"
    return out


def instance_dockerfile(
    spec: EnvSpec, workdir: str, message: str, pythonpath: str, own: LayerRequirements | None = None
) -> str:
    """The instance layer: the source at base_commit as a one-commit repository, the spec's
    ``pre_install`` and the repository's own install on top of the environment layer. ``own``
    is what the repository needs at base_commit beyond the layer (:func:`instance_requirements`):
    its wheelhouse is copied in, its build requirements installed before the install."""
    lines = [
        "ARG HB_LAYER",
        "FROM ${HB_LAYER}",
        "COPY repo.tar /tmp/repo.tar",
        f"WORKDIR {workdir}",
        "# The clone's tree at base_commit, as a new repository of one commit (no later history).",
        "# No automatic gc: the commit of a large tree starts one, and the gc below then fails.",
        "RUN tar -xf /tmp/repo.tar && rm /tmp/repo.tar \\",
        # symbolic-ref, not `init -b`: bionic's and focal's git predate it.
        " && git init -q && git symbolic-ref HEAD refs/heads/main && git add -A -f \\",
        " && git -c gc.auto=0 -c user.name=horizonbench -c user.email=import@horizonbench.invalid \\",
        f"    commit -qm {message} \\",
        " && git reflog expire --expire=now --all && git gc -q --prune=now",
    ]
    lines += [f"RUN {cmd}" for cmd in spec.pre_install]
    for cmd in spec.eval_commands:
        m = re.fullmatch(r"export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)", cmd.strip())
        if m:
            lines.append(f"ENV {m.group(1)}={json.dumps(m.group(2).strip(chr(34) + chr(39)))}")
    houses = wheelhouses(own)
    if own is not None and (own.install or own.download):
        lines.append(f"COPY wheelhouse {INSTANCE_WHEELHOUSE}")
        lines.append(build_packages_step(INSTANCE_WHEELHOUSE))
        if own.install:
            links = "".join(f" --find-links {w}" for w in houses)
            lines.append(f"RUN python3 -m pip install --no-index{links} -r {INSTANCE_WHEELHOUSE}/requirements.txt")
    if spec.install:
        lines.append(f"RUN {offline_install(spec.install, houses)} \\")
        # What the install leaves in the tree (egg-info, build/) is not part of anyone's change.
        lines.append(" && git ls-files --others --exclude-standard >> .git/info/exclude")
    else:
        lines.append(f"ENV PYTHONPATH={pythonpath}")
    return "\n".join(lines) + "\n"
