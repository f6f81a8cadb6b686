"""Which of the agent's changes to the test runtime are a published package's own files.

Same-mode grading sets aside what the agent added that would run inside the test runtime
unasked, and puts back what it changed of the image's runtime (:mod:`.runtime`). Many a
legitimate install touches just those files: ``apt-get install python3`` adds an
interpreter and its libraries, ``pip install setuptools`` a start-up ``.pth``, an upgrade
of libc changes the loader. Such a file is kept when its bytes are those its publisher
signed or served, checked on the host against the publisher, never against what the
container says:

- **Debian packages.** The container's dpkg database names the package, version and
  architecture that own a path: a hint only, since the agent can write it. The harness
  fetches the archive's ``InRelease`` and checks its signature with ``gpgv`` against a
  keyring of the host's, follows its SHA256 sums to the ``Packages`` index and from there
  to the ``.deb``, and compares the path's bytes (or a link's target) with the package's.
- **Python wheels.** The ``.dist-info`` whose ``RECORD`` lists a ``.pth`` names the
  distribution and version. The harness asks the package index for the project's files
  (its simple repository API, over HTTPS), downloads a wheel of that version and the
  installed tags and checks its SHA256 against the index. The ``.pth`` is kept only if every file of the distribution's
  packages as installed matches the wheel (they are what the ``.pth`` runs), nothing was
  added inside them, and the ``.pth`` imports nothing but the standard library and the
  distribution's own modules.

Whatever cannot be checked (no owner, a version the archive no longer has, an archive or
index that does not answer, a package built on the spot) is not kept: the runtime guard
then does what it always did. Downloads are cached by content in
``$HORIZONBENCH_CACHE/provenance``.

Configuration (the defaults are Debian's and Ubuntu's archives and PyPI):

- ``HORIZONBENCH_APT_ARCHIVES``: ``URL SUITE[,SUITE...] KEYRING`` entries separated by
  ``;``, used for every image instead of the defaults by ``/etc/os-release``.
- ``HORIZONBENCH_PYPI_URL``: the simple repository asked (else ``PIP_INDEX_URL``, else
  PyPI's).
- ``HORIZONBENCH_PROVENANCE=off``: check nothing (an offline lab with no archive).
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import html
import io
import json
import logging
import lzma
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath
from typing import Any

import docker.errors
from packaging.tags import parse_tag
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from horizonbench import pyast
from horizonbench.errors import ImageBuildError
from horizonbench.sandbox import base_image
from horizonbench.sandbox.images import cache_dir

log = logging.getLogger(__name__)

OFF_ENV = "HORIZONBENCH_PROVENANCE"
APT_ENV = "HORIZONBENCH_APT_ARCHIVES"
PYPI_ENV = "HORIZONBENCH_PYPI_URL"
PYPI_DEFAULT = "https://pypi.org/simple"
_TIMEOUT = 60.0
_RELEASE_TTL = 1800.0  # seconds an archive's InRelease is trusted before it is fetched again

Entry = tuple[str, str]
"""A file as found: ("file", sha256), ("link", target) or ("dir", "")."""


@dataclass(frozen=True)
class Archive:
    """One suite of an apt archive and the keyring its InRelease must be signed with."""

    url: str
    suite: str
    keyring: str


@dataclass
class Checked:
    """What the check found of the paths it was given."""

    kept: dict[str, str]
    """A published package's own file -> the package, as checked."""
    unchecked: dict[str, str]
    """A path claimed by a package that could not be checked -> why (the archive or index did
    not answer, or no longer has that version): the harness cannot tell it from a forgery."""


def genuine(api: Any, container_id: str, paths: Iterable[str], added: Iterable[str]) -> Checked:
    """Of ``paths`` (files of the container that the runtime guard would set aside or put
    back), those that are a published package's own, each with the package it is of.
    ``added`` is every path the agent added (``docker diff``), where wheels' metadata is
    looked up. Never raises: what cannot be checked is not kept, and is named."""
    paths = sorted(set(paths))
    done = Checked({}, {})
    if not paths or os.environ.get(OFF_ENV, "").lower() in ("off", "0", "no"):
        return done
    box = _Container(api, container_id)
    try:
        done.kept.update(_debian(box, paths, done.unchecked))
    except Exception as exc:  # a check that fails keeps nothing, never fails grading
        log.warning("cannot check files against their Debian packages: %s", exc)
    pths = [p for p in paths if p.endswith(".pth") and p not in done.kept]
    if pths:
        try:
            done.kept.update(_wheels(box, pths, list(added), done.unchecked))
        except Exception as exc:
            log.warning("cannot check .pth files against their wheels: %s", exc)
    for path in done.kept:
        done.unchecked.pop(path, None)
    return done


# --- reading the container (created, not started: through the engine's archive API) ---


class _Container:
    def __init__(self, api: Any, container_id: str) -> None:
        self.api, self.id = api, container_id

    def tree(self, path: str, want: Callable[[str], bool] | None = None) -> dict[str, tuple[Entry, bytes | None]]:
        """Every member under ``path`` by its absolute path, with the bytes of the files
        ``want`` picks; {} where the path is absent."""
        try:
            stream, _ = self.api.get_archive(self.id, path)
        except docker.errors.NotFound:
            return {}
        parent = PurePosixPath(path).parent
        out: dict[str, tuple[Entry, bytes | None]] = {}
        with tempfile.TemporaryFile() as fh:
            for chunk in stream:
                fh.write(chunk)
            fh.seek(0)
            with tarfile.open(fileobj=fh) as tar:
                for member in tar:
                    name = str(parent / member.name)
                    if member.issym() or member.islnk():
                        out[name] = (("link", member.linkname), None)
                    elif member.isdir():
                        out[name] = (("dir", ""), None)
                    elif member.isfile():
                        data = tar.extractfile(member)
                        raw = data.read() if data is not None else b""
                        keep = raw if want is not None and want(name) else None
                        out[name] = (("file", hashlib.sha256(raw).hexdigest()), keep)
        return out

    def entry(self, path: str) -> Entry | None:
        found = self.tree(path).get(path)
        return found[0] if found else None

    def read(self, path: str) -> bytes | None:
        """A file's bytes, links followed (``/etc/os-release`` is one)."""
        for _ in range(8):
            found = self.tree(path, want=lambda _: True).get(path)
            if found is None or found[0][0] != "link":
                return found[1] if found else None
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), found[0][1]))
        return None


# --- fetching, cached by content ---


def _store() -> Path:
    path = cache_dir() / "provenance"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _get(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "horizonbench-provenance"})
    with urllib.request.urlopen(req, timeout=_TIMEOUT) as reply:
        return bytes(reply.read())


def _fetch_pinned(url: str, sha256: str, suffix: str) -> Path:
    """The file at ``url`` whose SHA256 must be ``sha256``, from the cache where it is there."""
    path = _store() / f"{sha256}{suffix}"
    if path.is_file():
        return path
    data = _get(url)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{url}: its SHA256 is not the one its index gives")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


# --- Debian ---

_USRMERGE = (("/bin/", "/usr/bin/"), ("/sbin/", "/usr/sbin/"), ("/lib/", "/usr/lib/"), ("/lib64/", "/usr/lib64/"))


def _aliases(path: str) -> set[str]:
    """A path and its spellings across the /usr merge (a package may list /bin/bash where
    the engine reports /usr/bin/bash)."""
    out = {path}
    for short, long in _USRMERGE:
        if path.startswith(short):
            out.add(long + path[len(short) :])
        elif path.startswith(long):
            out.add(short + path[len(long) :])
    return out


def _stanzas(text: str) -> Iterable[dict[str, str]]:
    """The paragraphs of a dpkg status or Packages file (continuation lines dropped)."""
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            yield fields


def default_archives(os_release: dict[str, str]) -> list[Archive]:
    """The archives to check an image's packages against: ``HORIZONBENCH_APT_ARCHIVES``,
    else its distribution's own by ``/etc/os-release``."""
    spec = os.environ.get(APT_ENV, "").strip()
    if spec:
        out = []
        for entry in filter(None, (e.strip() for e in spec.split(";"))):
            parts = entry.split()
            if len(parts) != 3:
                raise ValueError(f"{APT_ENV}: {entry!r} is not 'URL SUITE[,SUITE] KEYRING'")
            out += [Archive(parts[0].rstrip("/"), suite, parts[2]) for suite in parts[1].split(",")]
        return out
    codename = os_release.get("VERSION_CODENAME", "")
    distro = os_release.get("ID", "")
    if not codename:
        return []
    if distro == "debian":
        key = "/usr/share/keyrings/debian-archive-keyring.gpg"
        return [
            Archive("http://deb.debian.org/debian", codename, key),
            Archive("http://deb.debian.org/debian", f"{codename}-updates", key),
            Archive("http://deb.debian.org/debian-security", f"{codename}-security", key),
        ]
    if distro == "ubuntu":
        key = base_image.UBUNTU_KEYRING
        return [
            Archive("http://archive.ubuntu.com/ubuntu", f"{codename}{s}", key) for s in ("", "-updates", "-security")
        ]
    return []


_lock = threading.Lock()
_releases: dict[Archive, tuple[float, str]] = {}
_indexes: dict[str, dict[tuple[str, str, str], tuple[str, str]]] = {}


def _release(archive: Archive) -> str:
    """The archive's InRelease, its signature checked with gpgv; the signed text only."""
    with _lock:
        cached = _releases.get(archive)
    if cached and time.monotonic() - cached[0] < _RELEASE_TTL:
        return cached[1]
    keyring = archive.keyring
    if not Path(keyring).is_file() and keyring == base_image.UBUNTU_KEYRING:
        try:  # a Debian host has no Ubuntu keyring: Ubuntu's own package, pinned by SHA256
            keyring = str(base_image.ubuntu_keyring())
        except ImageBuildError as exc:
            raise ValueError(str(exc)) from None
    if not Path(keyring).is_file():
        raise ValueError(f"no keyring {archive.keyring} on this host to check {archive.url} with")
    if shutil.which("gpgv") is None:
        raise ValueError("gpgv is not installed on this host (Debian: apt-get install gpgv)")
    signed = _get(f"{archive.url}/dists/{archive.suite}/InRelease")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "InRelease"
        src.write_bytes(signed)
        done = subprocess.run(
            ["gpgv", "--keyring", keyring, "--output", "-", str(src)],
            capture_output=True,
            timeout=_TIMEOUT,
        )
    if done.returncode != 0:
        raise ValueError(f"{archive.url} {archive.suite}: InRelease signature not good: {done.stderr.decode()[-300:]}")
    text = done.stdout.decode("utf-8", errors="replace")
    with _lock:
        _releases[archive] = (time.monotonic(), text)
    return text


def _index(archive: Archive, arch: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(package, version, architecture) -> (pool file, SHA256) for every package of the
    suite for ``arch`` (architecture-independent ones included), every component."""
    release = _release(archive)
    sums: dict[str, str] = {}
    components: list[str] = []
    in_sha = False
    for line in release.splitlines():
        if line.startswith("Components:"):
            components = line.split(":", 1)[1].split()
        if not line.startswith(" "):
            in_sha = line.startswith("SHA256:")
            continue
        if in_sha:
            parts = line.split()
            if len(parts) == 3:
                sums[parts[2]] = parts[0]
    out: dict[tuple[str, str, str], tuple[str, str]] = {}
    for component in components:
        base = f"{component}/binary-{arch}/Packages"
        for suffix, unpack in ((".xz", lzma.decompress), (".gz", gzip.decompress), ("", bytes)):
            sha = sums.get(base + suffix)
            if sha is None:
                continue
            with _lock:
                cached = _indexes.get(sha)
            if cached is None:
                raw = _fetch_pinned(f"{archive.url}/dists/{archive.suite}/{base}{suffix}", sha, ".index").read_bytes()
                cached = {}
                for st in _stanzas(unpack(raw).decode("utf-8", errors="replace")):
                    if {"Package", "Version", "Filename", "SHA256"} <= st.keys():
                        key = (st["Package"], st["Version"], st.get("Architecture", arch))
                        cached[key] = (st["Filename"], st["SHA256"])
                with _lock:
                    _indexes[sha] = cached
            out.update(cached)
            break
    return out


def _deb_members(deb: Path) -> dict[str, Entry]:
    """Every file and link of a .deb's data, by absolute path."""
    if shutil.which("dpkg-deb"):
        data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout
    else:
        data = _ar_data(deb.read_bytes())
    out: dict[str, Entry] = {}
    by_name: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            name = "/" + member.name.lstrip("./")
            if member.issym():
                out[name] = ("link", member.linkname)
            elif member.islnk():
                target = by_name.get("/" + member.linkname.lstrip("./"))
                if target:
                    out[name] = ("file", target)
            elif member.isfile():
                fh = tar.extractfile(member)
                sha = hashlib.sha256(fh.read() if fh else b"").hexdigest()
                by_name[name] = sha
                out[name] = ("file", sha)
    return out


def _ar_data(raw: bytes) -> bytes:
    """data.tar of a .deb read as the ar archive it is (where dpkg-deb is not installed)."""
    if not raw.startswith(b"!<arch>\n"):
        raise ValueError("not a .deb (no ar header)")
    pos = 8
    while pos + 60 <= len(raw):
        name = raw[pos : pos + 16].decode().strip().rstrip("/")
        size = int(raw[pos + 48 : pos + 58].decode().strip())
        body = raw[pos + 60 : pos + 60 + size]
        if name.startswith("data.tar"):
            if name.endswith(".xz"):
                return lzma.decompress(body)
            if name.endswith(".gz"):
                return gzip.decompress(body)
            if name == "data.tar":
                return body
            raise ValueError(f"{name}: compression not readable without dpkg-deb")
        pos += 60 + size + (size & 1)
    raise ValueError("no data.tar in the .deb")


def _debian(box: _Container, paths: list[str], unchecked: dict[str, str]) -> dict[str, str]:
    os_release = _key_values(box.read("/etc/os-release") or b"")
    archives = default_archives(os_release)
    if not archives:
        return {}
    wanted = {alias: path for path in paths for alias in _aliases(path)}
    owners: dict[str, str] = {}  # path -> the package (maybe "name:arch") whose list names it
    for name, (_, data) in box.tree("/var/lib/dpkg/info", want=lambda n: n.endswith(".list")).items():
        if data is None or not name.endswith(".list"):
            continue
        package = PurePosixPath(name).name[: -len(".list")]
        for line in data.decode("utf-8", errors="replace").splitlines():
            if line in wanted:
                owners.setdefault(wanted[line], package)
    if not owners:
        return {}
    installed: dict[str, tuple[str, str]] = {}
    native = ""
    for st in _stanzas((box.read("/var/lib/dpkg/status") or b"").decode("utf-8", errors="replace")):
        if "installed" not in st.get("Status", "").split() or "Package" not in st:
            continue
        arch = st.get("Architecture", "")
        installed[st["Package"]] = installed[f"{st['Package']}:{arch}"] = (st.get("Version", ""), arch)
        if st["Package"] in ("dpkg", "base-files", "libc6") and arch not in ("", "all"):
            native = arch
    by_package: dict[tuple[str, str, str], list[str]] = {}
    for path, package in owners.items():
        if package in installed:
            version, arch = installed[package]
            by_package.setdefault((package.split(":")[0], version, arch), []).append(path)
    out: dict[str, str] = {}
    for (package, version, arch), owned in sorted(by_package.items()):
        try:
            found = _find_deb(archives, package, version, arch, native or arch)
        except ValueError as exc:
            unchecked.update(dict.fromkeys(owned, f"its package {package} {version} could not be checked: {exc}"))
            continue
        if found is None:
            why = f"its package {package} {version} is in none of the archives checked (replaced there since?)"
            unchecked.update(dict.fromkeys(owned, why))
            continue
        archive, deb = found
        members = _deb_members(deb)
        for path in owned:
            theirs = next((members[a] for a in _aliases(path) if a in members), None)
            if theirs is not None and box.entry(path) == theirs:
                out[path] = f"Debian package {package} {version} ({archive.url} {archive.suite}, signature checked)"
    return out


def _find_deb(
    archives: list[Archive], package: str, version: str, arch: str, native: str
) -> tuple[Archive, Path] | None:
    """The archive whose index has that package and its .deb, or None.

    Raises:
        ValueError: no archive answered (each one's reason).
    """
    failures: list[str] = []
    for archive in archives:
        try:
            index = _index(archive, native)
        except Exception as exc:  # a suite that does not answer is passed over
            log.info("same-mode provenance: %s %s: %s", archive.url, archive.suite, exc)
            failures.append(f"{archive.url} {archive.suite}: {exc}")
            continue
        hit = index.get((package, version, arch))
        if hit is not None:
            return archive, _fetch_pinned(f"{archive.url}/{hit[0]}", hit[1], ".deb")
    if failures and len(failures) == len(archives):
        raise ValueError("; ".join(failures)[:400])
    return None


def _key_values(raw: bytes) -> dict[str, str]:
    out = {}
    for line in raw.decode("utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip('"')
    return out


# --- Python wheels ---


def _wheels(box: _Container, pths: list[str], added: list[str], unchecked: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pth in pths:
        site = str(PurePosixPath(pth).parent)
        name = PurePosixPath(pth).name
        for record in sorted(p for p in added if p.endswith(".dist-info/RECORD") and p.startswith(site + "/")):
            dist_info = str(PurePosixPath(record).parent)
            if str(PurePosixPath(dist_info).parent) != site:
                continue
            meta = box.tree(dist_info, want=lambda _: True)
            lines = (meta.get(record, (None, b""))[1] or b"").decode("utf-8", errors="replace").splitlines()
            if not any(line.split(",", 1)[0] == name for line in lines):
                continue
            try:
                why = _check_wheel(box, pth, site, dist_info, meta)
            except Exception as exc:  # a wheel that cannot be checked is not kept
                log.warning("cannot check %s against its wheel: %s", pth, exc)
                unchecked[pth] = f"its wheel ({PurePosixPath(dist_info).name}) could not be checked: {exc}"
                why = None
            if why:
                out[pth] = why
            break
    return out


def _check_wheel(
    box: _Container, pth: str, site: str, dist_info: str, meta: dict[str, tuple[Entry, bytes | None]]
) -> str | None:
    metadata = HeaderParser().parsestr((meta.get(f"{dist_info}/METADATA", (None, b""))[1] or b"").decode())
    wheel = HeaderParser().parsestr((meta.get(f"{dist_info}/WHEEL", (None, b""))[1] or b"").decode())
    name, version = metadata.get("Name"), metadata.get("Version")
    if not name or not version:
        return None
    installed_tags = {t for line in wheel.get_all("Tag") or [] for t in parse_tag(line.strip())}
    index = os.environ.get(PYPI_ENV) or os.environ.get("PIP_INDEX_URL") or PYPI_DEFAULT
    for filename, url, sha in _release_files(index.rstrip("/"), name):
        if not filename.endswith(".whl"):
            continue
        _, wheel_version, _, tags = parse_wheel_filename(filename)
        if str(wheel_version) != str(Version(version)) or (installed_tags and not installed_tags & tags):
            continue
        path = _fetch_pinned(url, sha, ".whl")
        if _matches_wheel(box, pth, site, path):
            return f"{name} {version} ({filename} from {index}, SHA256 checked)"
    return None


def _release_files(index: str, name: str) -> list[tuple[str, str, str]]:
    """(filename, url, sha256) of every file of project ``name`` on a simple repository
    (PEP 691's JSON, else PEP 503's HTML with ``#sha256=`` links)."""
    page = f"{index}/{canonicalize_name(name)}/"
    req = urllib.request.Request(
        page, headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1", "User-Agent": "horizonbench"}
    )
    with urllib.request.urlopen(req, timeout=_TIMEOUT) as reply:
        kind, body = reply.headers.get("Content-Type", ""), reply.read().decode("utf-8", errors="replace")
    out = []
    if "json" in kind:
        for file in json.loads(body).get("files", []):
            sha = (file.get("hashes") or {}).get("sha256")
            if sha:
                out.append((file["filename"], urllib.parse.urljoin(page, file["url"]), sha))
        return out
    for href, text in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', body):
        url, _, fragment = html.unescape(href).partition("#")
        if fragment.startswith("sha256="):
            out.append((text.strip(), urllib.parse.urljoin(page, url), fragment[len("sha256=") :]))
    return out


def _matches_wheel(box: _Container, pth: str, site: str, wheel: Path) -> bool:
    """Whether the .pth and every file of the wheel's packages are in the site directory as
    the wheel has them, with nothing added among them, and the .pth imports only them and
    the standard library."""
    theirs: dict[str, str] = {}
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            parts = info.filename.split("/")
            if info.is_dir() or parts[0].endswith(".dist-info"):
                continue
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue  # scripts, headers, data: not on sys.path
                parts = parts[2:]
            theirs[f"{site}/{'/'.join(parts)}"] = hashlib.sha256(zf.read(info)).hexdigest()
    if pth not in theirs:
        return False
    tops = {PurePosixPath(p).relative_to(site).parts[0] for p in theirs}
    ours: dict[str, str] = {}
    for top in tops:
        for path, (entry, _) in box.tree(f"{site}/{top}").items():
            if entry[0] == "dir" or "__pycache__" in path or path.endswith(".pyc"):
                continue
            ours[path] = entry[1] if entry[0] == "file" else f"link:{entry[1]}"
    if ours != theirs:
        return False
    modules = {t.split(".")[0] for t in tops if not t.endswith(".pth")}
    return _imports_only(box.read(pth) or b"", modules | set(sys.stdlib_module_names))


def _imports_only(text: bytes, allowed: set[str]) -> bool:
    """Whether every module the code lines of a .pth import is one of ``allowed``."""
    for line in text.decode("utf-8", errors="replace").splitlines():
        if not line.startswith(("import ", "import\t")):
            continue
        try:
            tree = pyast.parse(line)
        except SyntaxError:
            return False
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and _is_import_call(node.func):
                arg = node.args[0] if node.args else None
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    return False
                names = [arg.value]
            if any(n.split(".")[0] not in allowed for n in names):
                return False
    return True


def _is_import_call(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "__import__"
    return isinstance(func, ast.Attribute) and func.attr in ("import_module", "__import__")
