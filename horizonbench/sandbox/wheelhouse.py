"""Completing a wheelhouse downloaded for another Python than the host's.

``pip download --python-version X.Y`` checks each wheel's ``Requires-Python`` against X.Y
but evaluates the environment markers of dependencies against the Python running pip, so a
dependency that only older Pythons need (``exceptiongroup; python_version < "3.11"`` of
pytest 7) is silently left out, and the offline install in the image then fails. This
module reads the downloaded wheels' metadata, evaluates their markers for the target
Python, and names what is still missing, so the download can be repeated until the
wheelhouse is closed.
"""

from __future__ import annotations

import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename


def target_environment(python_version: str) -> dict[str, str]:
    """Marker variables of CPython ``python_version`` on this platform."""
    env = {k: str(v) for k, v in default_environment().items()}
    full = f"{python_version}.0"
    env.update(python_version=python_version, python_full_version=full, implementation_version=full)
    env.update(implementation_name="cpython", platform_python_implementation="CPython")
    return env


def wheel_metadata(wheel: Path) -> str | None:
    """The text of a wheel's ``.dist-info/METADATA``; None where it has none."""
    with zipfile.ZipFile(wheel) as zf:
        name = next((n for n in zf.namelist() if n.endswith(".dist-info/METADATA")), None)
        return zf.read(name).decode("utf-8", errors="replace") if name else None


def _requires(wheel: Path) -> list[str]:
    text = wheel_metadata(wheel)
    return (HeaderParser().parsestr(text).get_all("Requires-Dist") or []) if text else []


def missing(dest: Path, python_version: str) -> list[str]:
    """Requirements of the wheels in ``dest`` that apply on ``python_version`` and that no
    wheel in ``dest`` provides (markers stripped, version specifiers kept)."""
    have = {canonicalize_name(parse_wheel_filename(w.name)[0]) for w in dest.glob("*.whl")}
    have |= {canonicalize_name(s.name.rsplit("-", 1)[0]) for s in dest.glob("*.tar.gz")}
    env = target_environment(python_version)
    out: dict[str, str] = {}
    for wheel in sorted(dest.glob("*.whl")):
        for line in _requires(wheel):
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
                continue
            name = canonicalize_name(req.name)
            if name not in have and name not in out:
                out[name] = f"{req.name}{req.specifier}"
    return list(out.values())


def sdist_files(sdist: Path) -> tuple[str, str]:
    """(PKG-INFO, pyproject.toml) at the top of an sdist's folder; "" for one it lacks."""
    found = {"PKG-INFO": "", "pyproject.toml": ""}
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as zf:
            for n in zf.namelist():
                _, _, rest = n.partition("/")
                if rest in found and not found[rest]:
                    found[rest] = zf.read(n).decode("utf-8", errors="replace")
    else:
        with tarfile.open(sdist) as tf:
            for member in tf.getmembers():
                _, _, rest = member.name.partition("/")
                fh = tf.extractfile(member) if rest in found and not found[rest] else None
                if fh is not None:
                    found[rest] = fh.read().decode("utf-8", errors="replace")
    return found["PKG-INFO"], found["pyproject.toml"]
