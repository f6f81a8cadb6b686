"""Stand-in images for air-gapped labs: ``--image-map SRC=DST`` pairs and image-map files,
and the ``FROM`` lines of a Dockerfile rewritten through them.

A Terminal-Bench task's Dockerfile says ``FROM python:3.13-slim-bookworm``; where no
registry answers, ``python:3.13-slim-bookworm=horizonbench/base:bookworm`` builds it from
an image the engine has. An image-map file is TOML of such pairs::

    "python:3.13-slim-bookworm" = "horizonbench/base:bookworm"
    "ghcr.io/org/task-image:1" = "registry.lab:5000/mirror/task-image:1"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from horizonbench.errors import ConfigError
from horizonbench.models.image import ImagePolicy

# A reference as `docker pull` takes it: [host[:port]/]path[:tag][@digest].
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@-]*")
# FROM [--flag=value ...] image [AS name]
_FROM = re.compile(r"^(?P<head>\s*FROM\s+(?:--\S+\s+)*)(?P<ref>\S+)(?P<tail>.*)$", re.IGNORECASE | re.DOTALL)
_STAGE = re.compile(r"\s+AS\s+(\S+)", re.IGNORECASE)
# COPY/ADD [--flag ...] --from=image-or-stage ...
_COPY_FROM = re.compile(
    r"^(?P<head>\s*(?:COPY|ADD)\s+(?:--\S+\s+)*?--from=)(?P<ref>[^\s]+)(?P<tail>.*)$", re.IGNORECASE | re.DOTALL
)
_KEY_LINE = re.compile(r"""^\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_.-]+))\s*=""")


def _check_ref(ref: str, where: str) -> str:
    ref = ref.strip()
    if not _REF.fullmatch(ref):
        raise ConfigError(f"{where}: {ref!r} is not an image reference (e.g. python:3.13-slim-bookworm)")
    return ref


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """``--image-map SRC=DST`` values as a mapping.

    Raises:
        ConfigError: a value is not SRC=DST with two image references.
    """
    mapping: dict[str, str] = {}
    for item in pairs:
        src, sep, dst = item.partition("=")
        if not sep or not src.strip() or not dst.strip():
            example = "python:3.13-slim=horizonbench/base:bookworm"
            raise ConfigError(f"--image-map {item!r}: expected SRC=DST (e.g. {example})")
        mapping[_check_ref(src, f"--image-map {item!r}")] = _check_ref(dst, f"--image-map {item!r}")
    return mapping


def load_file(path: Path) -> dict[str, str]:
    """An image-map file: TOML of ``"SRC" = "DST"`` pairs.

    Raises:
        ConfigError: the file is missing, is not TOML, or holds something other than pairs of
            image references; the message names the file and the line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the image-map file ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{path}: line {m.group(1)}" if m else str(path)
        raise ConfigError(
            f'{where}: not TOML ({str(exc).split(" (at ")[0]}); write each pair as "SRC" = "DST", both quoted'
        ) from None
    lines = _key_lines(text)
    mapping: dict[str, str] = {}
    for src, dst in data.items():
        where = f"{path}: line {lines.get(src, '?')}"
        if not isinstance(dst, str):
            kind = "a table" if isinstance(dst, dict) else type(dst).__name__
            raise ConfigError(f'{where}: {src!r} maps to {kind}; expected "SRC" = "DST" (a quoted image reference)')
        mapping[_check_ref(src, where)] = _check_ref(dst, where)
    return mapping


def _key_lines(text: str) -> dict[str, int]:
    """The line each top-level key (or table header) of a TOML text is on, for error messages."""
    found: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[+\s*\"?([^\]\"]+)", line)
        if header:
            found.setdefault(header.group(1).split(".")[0].strip(), n)
            continue
        m = _KEY_LINE.match(line)
        if m:
            key = next(g for g in m.groups() if g is not None)
            found.setdefault(key.split(".")[0] if m.group(3) else key, n)
    return found


def policy(force_build: bool, pairs: list[str], files: list[Path]) -> ImagePolicy:
    """The image policy the run options describe; ``--image-map`` pairs win over files.

    Raises:
        ConfigError: a bad pair or image-map file.
    """
    mapping: dict[str, str] = {}
    for f in files:
        mapping.update(load_file(f))
    mapping.update(parse_pairs(pairs))
    return ImagePolicy(force_build=force_build, image_map=mapping)


@dataclass
class Rewritten:
    """A Dockerfile after the image map: its text, the external images it builds on, what
    was replaced, and what was left alone (``FROM $ARG``) and why."""

    text: str
    bases: list[str] = field(default_factory=list)
    applied: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def rewrite_from(text: str, images: ImagePolicy) -> Rewritten:
    """Replace the images of ``FROM`` lines (and of ``COPY --from=``) that the map names. Earlier build stages
    (``FROM base AS builder`` ... ``FROM builder``), ``scratch`` and flags such as
    ``--platform`` stay as they are; an image named through an ``ARG`` (``FROM ${BASE}``)
    is left alone with a note, since its value is only known to the build."""
    out = Rewritten(text="")
    stages: set[str] = set()
    lines = text.splitlines(keepends=True)
    for n, line in enumerate(lines, 1):
        copy = _COPY_FROM.match(line)
        if copy:
            # An image copied from (``COPY --from=ghcr.io/astral-sh/uv:0.8.14 /uv /bin/``) is
            # a base of the build like a FROM; a stage name or index is not.
            ref = copy.group("ref")
            if ref.lower() not in stages and not ref.isdigit() and "$" not in ref:
                dst = images.stand_in(ref)
                if dst is not None:
                    lines[n - 1] = copy.group("head") + dst + copy.group("tail")
                    out.applied[ref] = dst
                out.bases.append(dst or ref)
            continue
        m = _FROM.match(line)
        if not m:
            continue
        ref, tail = m.group("ref"), m.group("tail")
        stage = _STAGE.match(tail)
        if ref.lower() in stages or ref.lower() == "scratch":
            pass
        elif ref in ("${HB_LAYER}", "$HB_LAYER"):
            pass  # a shared layer ([environment] layer): built first, its tag passed as the argument
        elif "$" in ref:
            out.notes.append(
                f"Dockerfile line {n}: FROM {ref} names its image through an ARG, so the image map leaves it alone "
                "(map the image its value names by writing that FROM without the ARG)"
            )
        else:
            dst = images.stand_in(ref)
            if dst is not None:
                lines[n - 1] = m.group("head") + dst + tail
                out.applied[ref] = dst
            out.bases.append(dst or ref)
        if stage:
            stages.add(stage.group(1).lower())
    out.text = "".join(lines)
    return out
