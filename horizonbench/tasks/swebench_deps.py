"""What installing a repository needs, read from its own files at a commit.

SWE-bench's install command (``pip install -e .[test]``) resolves the project's runtime
dependencies and builds it with its build requirements, online. Offline, every one of them
has to be in the wheelhouse already, so they are read here from the project's metadata as it
is at the commit: ``pyproject.toml`` (``[build-system] requires``, ``[project]``
dependencies and optional dependencies), ``setup.cfg`` (``install_requires``,
``setup_requires``, ``extras_require``) and ``setup.py`` (the same keywords, where they are
literals or names bound to literals). The spec's ``pre_install`` edits of those files
(``sed -i`` commands that pin ``Jinja2<3.0`` in sphinx's ``setup.py``) are applied first,
since the install runs after them.

Where a setup.py computes its dependencies (imports them from the package, reads a file
through a function), pip prepares the project's metadata on the host instead
(``pip install --dry-run --report``), which runs the build backend. The requirements come
out with their markers evaluated for the target Python and the extras the install names,
so the host's own Python never decides what the image gets.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from horizonbench import pyast
from horizonbench.sandbox import wheelhouse

log = logging.getLogger(__name__)

METADATA_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
# Bump when what is read, or how, changes: cached results of older readings are not reused.
READER_VERSION = 1


@dataclass(frozen=True)
class ProjectNeeds:
    """A project's requirements for one Python, markers evaluated, as pip requirement strings."""

    runtime: tuple[str, ...] = ()
    """Runtime dependencies, with those of the requested extras."""
    build: tuple[str, ...] = ()
    """Build requirements: ``[build-system] requires`` and ``setup_requires``."""
    method: str = "none"
    """How they were read: "static", "pip" (metadata prepared by pip), or "none" (no packaging files)."""


class _Dynamic(Exception):
    """The runtime dependencies are computed by code, not written down."""


def extras_of(install: str) -> list[str]:
    """The extras an install command asks for: ``pip install -e .[test,dev]`` -> test, dev."""
    extras: list[str] = []
    try:
        words = shlex.split(install)
    except ValueError:
        words = install.split()
    for word in words:
        m = re.fullmatch(r"\.?/?\.?\[([A-Za-z0-9_.,\s-]+)\]", word)
        if m:
            extras += [e.strip() for e in m.group(1).split(",") if e.strip()]
    return list(dict.fromkeys(extras))


def project_needs(
    clone: Path, commit: str, python_version: str, extras: Iterable[str] = (), pre_install: Iterable[str] = ()
) -> ProjectNeeds:
    """The requirements of the project in ``clone`` at ``commit`` for ``python_version``,
    after the ``pre_install`` edits of its metadata files. Cached by the files' contents."""
    extras, pre_install = sorted(set(extras)), list(pre_install)
    key = _cache_key(clone, commit, python_version, extras, pre_install)
    cached = _cache_path(key)
    if cached is not None and cached.is_file():
        data = json.loads(cached.read_text())
        return ProjectNeeds(tuple(data["runtime"]), tuple(data["build"]), str(data["method"]))
    files = {n: t for n in METADATA_FILES if (t := _show(clone, commit, n)) is not None}
    if not files:
        return ProjectNeeds()
    files = apply_edits(files, pre_install)
    name, build = _static_build(files)
    method = "static"
    try:
        name2, requires = _static_requires(files, clone, commit)
        name = name or name2
    except _Dynamic as exc:
        log.info("%s at %s: %s; preparing its metadata with pip", clone.name, commit[:12], exc)
        try:
            name, requires = _pip_requires(clone, commit, pre_install)
            method = "pip"
        except RuntimeError as exc2:
            log.warning("%s at %s: %s; its runtime dependencies are left out", clone.name, commit[:12], exc2)
            requires, method = [], f"static (runtime unknown: {exc2})"[:200]
    needs = ProjectNeeds(
        runtime=tuple(evaluate(requires, python_version, extras, name)),
        build=tuple(evaluate(build, python_version, (), name)),
        method=method,
    )
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps({"runtime": needs.runtime, "build": needs.build, "method": needs.method}))
        os.replace(tmp, cached)
    return needs


def evaluate(requires: Iterable[str], python_version: str, extras: Iterable[str], project: str = "") -> list[str]:
    """Requirement strings (``Requires-Dist`` style, ``extra == "x"`` markers included) that
    apply on ``python_version`` with ``extras``, markers stripped. A requirement of the project
    itself (``seaborn[stats]`` in an extra) adds its extras instead. URL requirements, which no
    index serves, are left out."""
    env = wheelhouse.target_environment(python_version)
    wanted = set(extras)
    parsed: list[Requirement] = []
    for line in requires:
        try:
            parsed.append(Requirement(line))
        except InvalidRequirement:
            log.info("not a requirement, left out: %r", line)
    own = canonicalize_name(project) if project else ""
    while True:
        out: dict[str, None] = {}
        grown = False
        for req in parsed:
            if req.marker is not None and not any(req.marker.evaluate({**env, "extra": e}) for e in ["", *wanted]):
                continue
            if req.url:
                continue
            if own and canonicalize_name(req.name) == own:
                grown |= not req.extras <= wanted
                wanted |= req.extras
                continue
            extra = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
            out[f"{req.name}{extra}{req.specifier}"] = None
        if not grown:
            return [r for r in out if canonicalize_name(Requirement(r).name) != "python"]


# --- pre_install edits ---------------------------------------------------------------------


def apply_edits(files: dict[str, str], commands: Iterable[str]) -> dict[str, str]:
    """``files`` (name -> text) after the ``sed -i 's/A/B/[g]' FILE`` commands among
    ``commands`` (also behind ``grep -q PATTERN FILE &&``). Nothing is executed: the edits are
    read and applied here, so only substitutions in these files take effect; other commands
    (``apt-get``) have nothing to do with the metadata and are skipped."""
    out = dict(files)
    for command in commands:
        for part in re.split(r"\s*&&\s*", command):
            try:
                words = shlex.split(part)
            except ValueError:
                break
            if words[:2] == ["grep", "-q"] and len(words) == 4:
                text = out.get(_rel(words[3]))
                if text is None or not re.search(_bre(words[2]), text, re.M):
                    break
                continue
            if words[:2] != ["sed", "-i"] or len(words) < 4:
                break
            exprs = [w for i, w in enumerate(words[2:], 2) if words[i - 1] == "-e"] or [words[2]]
            targets = [w for i, w in enumerate(words[2:], 2) if w not in exprs and w != "-e"]
            for target in targets:
                if _rel(target) in out:
                    for expr in exprs:
                        out[_rel(target)] = _substitute(out[_rel(target)], expr)
    return out


def _rel(path: str) -> str:
    return path.removeprefix("./")


def _substitute(text: str, expr: str) -> str:
    if len(expr) < 4 or expr[0] != "s":
        return text
    delim = expr[1]
    parts = re.split(rf"(?<!\\){re.escape(delim)}", expr[2:])
    if len(parts) != 3:
        return text
    pattern, repl, flags = parts
    if delim != "/":
        pattern, repl = pattern.replace("\\" + delim, delim), repl.replace("\\" + delim, delim)
    regex = re.compile(_bre(pattern.replace("\\/", "/")))
    count = 0 if "g" in flags else 1
    py_repl = _repl(repl.replace("\\/", "/"))
    return "\n".join(regex.sub(py_repl, line, count=count) for line in text.split("\n"))


def _bre(pattern: str) -> str:
    """A POSIX basic regular expression as Python's: in a BRE ``( ) { } + ? |`` are literal
    and their backslashed forms are the operators."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            out.append(n if n in "(){}+?|" else "\\" + n)
            i += 2
            continue
        out.append("\\" + c if c in "(){}+?|" else c)
        i += 1
    return "".join(out)


def _repl(repl: str) -> str:
    out, i = [], 0
    while i < len(repl):
        c = repl[i]
        if c == "\\" and i + 1 < len(repl):
            n = repl[i + 1]
            out.append("\\" + n if n.isdigit() else ("\\\\" if n == "\\" else n))
            i += 2
            continue
        out.append("\\g<0>" if c == "&" else c)
        i += 1
    return "".join(out)


# --- static metadata ---------------------------------------------------------------------------


def _static_build(files: dict[str, str]) -> tuple[str, list[str]]:
    """(project name, build requirements) from the files, as far as they are written down."""
    name, build = "", []
    if "pyproject.toml" in files:
        data = _toml(files["pyproject.toml"])
        build += [str(r) for r in data.get("build-system", {}).get("requires", [])]
        name = str(data.get("project", {}).get("name") or "")
    if "setup.cfg" in files:
        cfg = _cfg(files["setup.cfg"])
        build += _lines(cfg.get("options", "setup_requires", fallback=""))
        name = name or cfg.get("metadata", "name", fallback="")
    if "setup.py" in files:
        found = _setup_py_keywords(files["setup.py"])
        try:
            build += _as_list(found.get("setup_requires"))
        except _Dynamic:
            log.info("setup.py computes setup_requires; they are left out")
        name = name or (found["name"] if isinstance(found.get("name"), str) else "")
    return name, list(dict.fromkeys(build))


def _static_requires(files: dict[str, str], clone: Path, commit: str) -> tuple[str, list[str]]:
    """(project name, runtime requirements in Requires-Dist form) from the files.

    Raises:
        _Dynamic: a file says they are computed (a dynamic field, a setup.py expression).
    """
    name, out = "", []
    if "pyproject.toml" in files:
        data = _toml(files["pyproject.toml"])
        project = data.get("project", {})
        if project:
            name = str(project.get("name") or "")
            dynamic = set(project.get("dynamic", []))
            deps: Any = project.get("dependencies", [])
            optional: Any = project.get("optional-dependencies", {})
            from_files = data.get("tool", {}).get("setuptools", {}).get("dynamic", {})
            if "dependencies" in dynamic:
                deps = _from_files(from_files.get("dependencies"), clone, commit)
            if "optional-dependencies" in dynamic:
                optional = {
                    k: _from_files(v, clone, commit) for k, v in from_files.get("optional-dependencies", {}).items()
                }
            out += [str(r) for r in deps]
            for extra, reqs in optional.items():
                out += [_with_extra(str(r), extra) for r in reqs]
            if "dependencies" not in dynamic and "optional-dependencies" not in dynamic:
                return name, out
    if "setup.cfg" in files:
        cfg = _cfg(files["setup.cfg"])
        name = name or cfg.get("metadata", "name", fallback="")
        install = cfg.get("options", "install_requires", fallback="")
        out += _from_files(install, clone, commit) if install.strip().startswith("file:") else _lines(install)
        if cfg.has_section("options.extras_require"):
            for extra, value in cfg.items("options.extras_require"):
                out += [_with_extra(r, extra) for r in _lines(value)]
    if "setup.py" in files:
        found = _setup_py_keywords(files["setup.py"])
        name = name or (found["name"] if isinstance(found.get("name"), str) else "")
        out += _as_list(found.get("install_requires"))
        extras = found.get("extras_require") or {}
        if not isinstance(extras, dict):
            raise _Dynamic("setup.py computes extras_require")
        for extra, reqs in extras.items():
            out += [_with_extra(r, str(extra)) for r in _as_list(reqs)]
    return name, out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return _lines(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [r for v in value for r in _lines(v)]
    raise _Dynamic("setup.py computes its requirements")


def _with_extra(requirement: str, extra: str) -> str:
    """A requirement of ``extra`` as Requires-Dist writes it; setuptools' ``test:python_version<"3"`` keys too."""
    extra, _, key_marker = extra.partition(":")
    req, _, marker = requirement.partition(";")
    markers = [f"({m.strip()})" for m in (marker, key_marker) if m.strip()]
    markers.append(f'extra == "{extra.strip()}"')
    return f"{req.strip()}; {' and '.join(markers)}"


def _lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.split(" #")[0].strip()
        if line and not line.startswith(("#", "-")):
            out.append(line)
    return out


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _cfg(text: str) -> configparser.ConfigParser:
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read_string(text)
    except configparser.Error:
        pass
    return cfg


def _from_files(spec: Any, clone: Path, commit: str) -> list[str]:
    """Requirements a ``file:`` directive (setup.cfg) or ``{file = [...]}`` (pyproject) names."""
    if isinstance(spec, dict):
        names = spec.get("file", [])
        names = [names] if isinstance(names, str) else list(names)
    elif isinstance(spec, str) and spec.strip().startswith("file:"):
        names = [n.strip() for n in spec.strip()[5:].split(",")]
    else:
        raise _Dynamic(f"dynamic dependencies {spec!r}")
    out = []
    for name in names:
        text = _show(clone, commit, _rel(str(name)))
        if text is None:
            raise _Dynamic(f"{name} is not in the commit")
        out += _lines(text)
    return out


def _setup_py_keywords(source: str) -> dict[str, Any]:
    """The keywords of setup.py's ``setup(...)`` call that are literals or names bound to
    literals; a keyword given by any other expression is there as ``_Unresolved``."""
    try:
        tree = pyast.parse(source)
    except SyntaxError:
        return {}
    bound: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound[node.targets[0].id] = node.value
    found: dict[str, Any] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        if not (isinstance(fn, ast.Name) and fn.id == "setup") and not (
            isinstance(fn, ast.Attribute) and fn.attr == "setup"
        ):
            continue
        for kw in node.keywords:
            if kw.arg in ("name", "install_requires", "extras_require", "setup_requires"):
                found[kw.arg] = _literal(kw.value, bound, 0)
    return found


class _Unresolved:
    """A setup() keyword given by an expression this reader does not evaluate."""


def _literal(node: ast.expr, bound: dict[str, ast.expr], depth: int) -> Any:
    if depth > 8:
        return _Unresolved()
    if isinstance(node, ast.Name) and node.id in bound:
        return _literal(bound[node.id], bound, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, bound, depth + 1), _literal(node.right, bound, depth + 1)
        if isinstance(left, list) and isinstance(right, list):
            return left + right
        return _Unresolved()
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e, bound, depth + 1) for e in node.elts]
        return items if all(isinstance(i, str) for i in items) else _Unresolved()
    if isinstance(node, ast.Dict):
        keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
        values = [_literal(v, bound, depth + 1) for v in node.values]
        if all(isinstance(k, str) for k in keys) and all(isinstance(v, (list, str)) for v in values):
            return dict(zip(keys, values, strict=True))
        return _Unresolved()
    try:
        return ast.literal_eval(node)
    except ValueError:
        return _Unresolved()


# --- pip, for metadata computed by code --------------------------------------------------------


def _pip_requires(clone: Path, commit: str, pre_install: list[str]) -> tuple[str, list[str]]:
    """(name, Requires-Dist) of the project as pip prepares its metadata on the host.

    Raises:
        RuntimeError: the tree could not be exported or pip could not prepare the metadata.
    """
    with tempfile.TemporaryDirectory(prefix="hb-meta-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=clone, capture_output=True)
        if archive.returncode != 0:
            raise RuntimeError(f"git archive failed: {archive.stderr.decode(errors='replace').strip()[:160]}")
        tar = Path(tmp) / "tree.tar"
        tar.write_bytes(archive.stdout)
        with tarfile.open(tar) as tf:
            tf.extractall(tree, filter="data")
        files = {n: (tree / n).read_text(errors="replace") for n in METADATA_FILES if (tree / n).is_file()}
        for name, text in apply_edits(files, pre_install).items():
            (tree / name).write_text(text)
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed", "--quiet"]
        cmd += ["--report", str(report), str(tree)]
        # A version from git tags is not there in an exported tree; the version is not what is read.
        env = {**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": "0.0"}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            raise RuntimeError("pip took over 600 s to prepare the metadata") from None
        if proc.returncode != 0 or not report.is_file():
            last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise RuntimeError(f"pip could not prepare the metadata ({last[:160]})")
        meta = json.loads(report.read_text())["install"][0]["metadata"]
    return str(meta.get("name") or ""), [str(r) for r in meta.get("requires_dist") or []]


# --- cache ---------------------------------------------------------------------------------------


def _show(clone: Path, commit: str, rel: str) -> str | None:
    proc = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=clone, capture_output=True, check=False)
    return proc.stdout.decode("utf-8", errors="replace") if proc.returncode == 0 else None


def _cache_key(clone: Path, commit: str, python_version: str, extras: list[str], pre_install: list[str]) -> str:
    """A key of everything the reading depends on: the top-level files of the commit (a setup.py
    may read any of them) and its requirements folders, the Python, the extras and the edits."""
    listing = subprocess.run(["git", "ls-tree", commit], cwd=clone, capture_output=True, text=True, check=False)
    entries = []
    for line in listing.stdout.splitlines():
        meta, _, name = line.partition("\t")
        kind = meta.split()[1] if len(meta.split()) > 1 else ""
        if kind == "blob" or (kind == "tree" and name.startswith("requirements")):
            entries.append(line)
    blob = json.dumps([READER_VERSION, entries or commit, python_version, extras, pre_install])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _cache_path(key: str) -> Path | None:
    from horizonbench.sandbox.images import cache_dir  # the docker SDK behind it is only needed here

    try:
        return cache_dir() / "swebench-requirements" / f"{key}.json"
    except OSError:
        return None
