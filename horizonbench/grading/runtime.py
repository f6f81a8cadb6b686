"""The test runtime of a same-mode grading: the image's, whatever the agent did to it.

Same-mode grading keeps what the agent left: its files, the tools and packages it
installed (under ``/usr/local`` too), the services it was asked to leave running. What
the verdict rests on must still be the task image's own: the interpreter, the shell and
the test runner the tests run with, and what runs at their start-up. In the grading
container (a snapshot of the agent's, see :mod:`horizonbench.sandbox.snapshot`), before
any test runs:

- every file **of the image** that belongs to that runtime and that the agent changed or
  deleted is put back from the image: the Python installations (``lib/python3*``: the
  standard library, the test runner's packages), the interpreters, shells and test
  runners on ``PATH``, the dynamic loader and the C library;
- every file the agent **added** that would run inside that runtime without being asked
  is set aside: start-up hooks (``sitecustomize.py``, ``usercustomize.py``, ``.pth``
  files with code in them), a preload list for the loader, interpreters, shells and test
  runners under the runtime's names on ``PATH``, and a copy of the test runner's packages
  (``pytest``, ``_pytest``, ``pluggy``) in a site directory, all of which would stand in
  for the image's.

The change is what the engine reports (``docker diff``), which the agent cannot forge;
the image's bytes come from the image. Everything else the agent did stays as it left it.
Each file put back or set aside is listed in the verdict and flags the attempt
``tampered_system``: the tests ran on the image's runtime, not on the agent's.
"""

from __future__ import annotations

import io
import logging
import re
import shlex
import tarfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import docker.errors
import docker.utils

from horizonbench.errors import SandboxError
from horizonbench.grading import provenance
from horizonbench.sandbox import engine
from horizonbench.sandbox.overlay import CHANGE_ADDED, CHANGE_DELETED
from horizonbench.sandbox.sandbox import Sandbox

log = logging.getLogger(__name__)

BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
# Programs a test command runs by name: interpreters, shells, the test runner, installers.
RUNTIME_PROGRAMS = re.compile(r"^(python[0-9.]*|pip[0-9.]*|pytest|py\.test|bash|sh|dash|env)$")
# Programs a test command fetches its tools with (Terminal-Bench's test.sh: curl, then uv):
# the image's are put back where the agent changed them; one the agent installed stays (a
# task may ask for it), which docs/security.md lists among the limits.
FETCHERS = re.compile(r"^(curl|wget|uv|uvx)$")
# A Python installation's library directory (system, /usr/local, a venv, a user site).
_PY_LIB = re.compile(r"/lib(64)?/python3[^/]*/|/lib/python3/dist-packages/")
_SITE = re.compile(r"/(site|dist)-packages/")
STARTUP_HOOKS = ("sitecustomize.py", "usercustomize.py")
RUNNER_PACKAGES = ("pytest", "_pytest", "pluggy", "py.py")
# The loader, its preload list, and the image's shared libraries (every program of the
# runtime maps some: a changed libtinfo is code inside bash).
_LOADER = re.compile(r"^/etc/ld\.so\.preload$|/ld-linux[^/]*$|/libc\.so[^/]*$|/libpython3[^/]*\.so[^/]*$")
_SYSTEM_LIB = re.compile(r"^/(usr/)?lib(64|32|x32)?/([^/]+/)?lib[^/]*\.so[^/]*$")


@dataclass
class RuntimePlan:
    """What to put back from the image and what to set aside, before the tests run."""

    restore: list[str] = field(default_factory=list)
    """Files of the image the agent changed or deleted: the image's are put back."""
    set_aside: list[str] = field(default_factory=list)
    """What the agent added that would run unasked: emptied (files) or removed (directories)."""
    pth_candidates: list[str] = field(default_factory=list)
    """Added ``.pth`` files: set aside when a line of theirs is code (``import ...``)."""


def _in_runtime(path: str) -> bool:
    """A file of the test runtime (as the image has it)."""
    p = PurePosixPath(path)
    if str(p.parent) in BIN_DIRS and (RUNTIME_PROGRAMS.match(p.name) or FETCHERS.match(p.name)):
        return True
    if _LOADER.search(path) or _SYSTEM_LIB.match(path):
        return True
    if not _PY_LIB.search(path) or "__pycache__" in path or path.endswith(".pyc"):
        return False
    site = _SITE.search(path)
    if site is None:
        return True  # the standard library
    top = path[site.end() :].split("/", 1)[0]
    return top in RUNNER_PACKAGES or top.endswith(".pth") or top in STARTUP_HOOKS


def plan(changes: list[tuple[str, int]]) -> RuntimePlan:
    """Sort the agent's changes (``docker diff``'s paths and kinds) into what grading puts
    back from the image and what it sets aside."""
    out = RuntimePlan()
    for path, kind in changes:
        if "__pycache__" in path or path.endswith(".pyc"):
            continue
        if kind != CHANGE_ADDED:
            if _in_runtime(path):
                out.restore.append(path)
            continue
        name = PurePosixPath(path).name
        py_lib = bool(_PY_LIB.search(path))
        if (
            path == "/etc/ld.so.preload"
            or (_LOADER.search(path) and py_lib is False)
            or (str(PurePosixPath(path).parent) in BIN_DIRS and RUNTIME_PROGRAMS.match(name))
            or (py_lib and name in STARTUP_HOOKS)
        ):
            out.set_aside.append(path)
        elif py_lib and name.endswith(".pth"):
            out.pth_candidates.append(path)
        elif py_lib and (site := _SITE.search(path)) and path[site.end() :] in RUNNER_PACKAGES:
            out.set_aside.append(path)
    return out


# Prints each .pth file given that holds a line Python's site module would run.
_PTH_CHECK = (
    "import sys\n"
    "for p in sys.argv[1:]:\n"
    "    try: lines = open(p, encoding='utf-8', errors='replace').read().splitlines()\n"
    "    except OSError: continue\n"
    "    if any(l.startswith(('import ', 'import\\t')) for l in lines): print(p)\n"
)


@dataclass
class Prepared:
    """What :func:`prepare` did to the grading container."""

    done: list[str] = field(default_factory=list)
    """What was put back or set aside, one line a path (each flags the attempt)."""
    dirs: list[str] = field(default_factory=list)
    """Directories set aside, still to remove once the container runs (:func:`remove_dirs`)."""
    kept: list[str] = field(default_factory=list)
    """Files of the runtime the agent added or changed that are kept: a published package's own."""
    unchecked: bool = False
    """A file a package claims was set aside or put back because its package could not be checked."""


def prepare(container_id: str, image_ref: str, changes: list[tuple[str, int]]) -> Prepared:
    """Give the grading container (created, not started: nothing of the agent's runs in it
    yet, not even its shell) the image's runtime.

    A file the agent added or changed that is a published package's own, checked against
    the package's archive or index (:mod:`.provenance`), is kept as the agent left it: an
    installed interpreter, a package's start-up ``.pth``, an upgraded library.

    Files are changed through the engine's archive API only: the image's files are copied
    in, and an added file that would run unasked is emptied and made unexecutable (an
    empty ``.pth`` or ``sitecustomize.py`` does nothing; a shell looking a name up on
    ``PATH`` passes over a file nobody may execute).

    Raises:
        SandboxError: the engine refused a copy.
    """
    api = engine.client().api
    todo = plan(changes)
    todo.set_aside += [p for p in todo.pth_candidates if _has_code(_read(api, container_id, p))]
    kinds = dict(changes)
    checkable = todo.set_aside + [p for p in todo.restore if kinds.get(p) != CHANGE_DELETED]
    added = [p for p, kind in changes if kind == CHANGE_ADDED]
    checked = provenance.genuine(api, container_id, checkable, added)
    todo.set_aside = [p for p in todo.set_aside if p not in checked.kept]
    todo.restore = [p for p in todo.restore if p not in checked.kept]
    kept = [f"{path}: {what}, kept" for path, what in sorted(checked.kept.items())]
    done: list[str] = []
    dirs: list[str] = []
    for path in todo.set_aside:
        stat = _stat(api, container_id, path)
        if stat is None:
            continue
        if stat & _DIR:
            dirs.append(path)
        else:
            _put(api, container_id, path, _tar_member(PurePosixPath(path).name, b"", 0o000))
        done.append(f"{path}: added by the agent, set aside" + _unchecked(checked, path))
    if todo.restore:
        restored = _restore_from_image(api, container_id, image_ref, todo.restore, kinds)
        done += [line + _unchecked(checked, line.split(": ", 1)[0]) for line in restored]
    if done:
        log.info("same-mode grading on the image's runtime: %s", done[:5])
    if kept:
        log.info("same-mode grading keeps %d package file(s) the agent installed: %s", len(kept), kept[:3])
    return Prepared(done, dirs, kept, unchecked=bool(checked.unchecked))


def _unchecked(checked: provenance.Checked, path: str) -> str:
    why = checked.unchecked.get(path)
    return f" ({why}: the harness cannot tell it from a forgery)" if why else ""


def remove_dirs(grader: Sandbox, dirs: list[str]) -> None:
    """Remove the directories :func:`prepare` set aside (its shell is the image's by now)."""
    if dirs:
        grader.exec("rm -rf -- " + " ".join(map(shlex.quote, dirs)), cwd="/", timeout=60)


def _has_code(text: bytes | None) -> bool:
    """Whether Python's site module would run a line of this ``.pth`` file."""
    if text is None:
        return False
    return any(line.startswith((b"import ", b"import\t")) for line in text.splitlines())


_DIR = 1 << 31  # Go's os.ModeDir, as the engine reports a path's mode


def _stat(api: Any, container_id: str, path: str) -> int | None:
    """The mode of ``path`` in a container (created or running), or None where it is absent:
    the archive endpoint's HEAD, which the SDK does not wrap (only the header is wanted)."""
    res = api.head(api._url("/containers/{0}/archive", container_id), params={"path": path})
    if res.status_code == 404:
        return None
    api._raise_for_status(res)
    header = res.headers.get("x-docker-container-path-stat")
    return int(docker.utils.decode_json_header(header).get("mode", 0)) if header else 0


def _read(api: Any, container_id: str, path: str) -> bytes | None:
    try:
        stream, _ = api.get_archive(container_id, path)
    except docker.errors.NotFound:
        return None
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        member = tar.next()
        fh = tar.extractfile(member) if member is not None and member.isfile() else None
        return fh.read() if fh is not None else None


def _tar_member(name: str, data: bytes, mode: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), mode
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _put(api: Any, container_id: str, path: str, tar: bytes) -> None:
    try:
        api.put_archive(container_id, str(PurePosixPath(path).parent), tar)
    except docker.errors.APIError as exc:
        raise SandboxError(f"cannot prepare the grading container ({path}): {exc.explanation}") from None


def _restore_from_image(
    api: Any, container_id: str, image_ref: str, paths: list[str], kinds: dict[str, int]
) -> list[str]:
    """Copy each path (a file or a link; directories are passed over, their changed files
    are listed on their own) from the image into the grading container."""
    pristine = api.create_container(image_ref, command=["true"], network_disabled=True)["Id"]
    done: list[str] = []
    try:
        for path in paths:
            stat = _stat(api, pristine, path)
            if stat is None or stat & _DIR:
                continue  # not in the image (inside a directory the agent added), or a directory
            stream, _ = api.get_archive(pristine, path)
            data = b"".join(stream)
            there = _stat(api, container_id, path)
            if there is not None and there & _DIR:
                continue  # the agent put a directory there; a file cannot replace it by copy
            _put(api, container_id, path, data)
            what = "deleted" if kinds.get(path) == CHANGE_DELETED else "changed"
            done.append(f"{path}: {what} by the agent, the image's put back")
    finally:
        try:
            api.remove_container(pristine, force=True)
        except docker.errors.APIError:
            pass
    return done
