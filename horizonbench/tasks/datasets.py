"""Datasets by name: the tasks of ``NAME@VERSION`` cloned at their pinned commits into a cache,
loaded as one suite named after the dataset.

Each distinct (repository, commit) of a dataset is fetched once: a shallow fetch of that commit
alone, a sparse checkout of the dataset's task folders, the commit verified, then the tree is
renamed into place. The rename is the commit point, so a checkout in the cache is always whole;
an exclusive lock per checkout makes a second concurrent run wait for the first rather than
clone again. A present checkout is never fetched again.

Cache: ``$HORIZONBENCH_CACHE/datasets`` (default ``~/.cache/horizonbench/datasets``), one folder
per repository, one per commit inside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from horizonbench.errors import DatasetError, TaskError
from horizonbench.models.registry import DatasetOrigin, DatasetSpec, RegistryTask
from horizonbench.models.task import SuiteConfig
from horizonbench.tasks.loader import Suite, Task, load_task
from horizonbench.tasks.registry import LoadedRegistry, is_dataset_ref, read_registry, resolve, safe_url

log = logging.getLogger(__name__)

MARKER = ".horizonbench-checkout.json"
_GIT_TIMEOUT_S = 1800.0  # a large dataset repository over a slow link; a hung remote still ends
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


def cache_root() -> Path:
    """Where dataset checkouts are kept (``$HORIZONBENCH_CACHE/datasets``)."""
    root = Path(os.environ.get("HORIZONBENCH_CACHE", Path.home() / ".cache" / "horizonbench"))
    return root / "datasets"


@dataclass(frozen=True)
class Checkout:
    """A repository at a commit in the cache."""

    git_url: str
    commit: str
    """The full commit id checked out."""
    path: Path
    fetched: bool
    """True when this call cloned it, False when the cache had it."""


@dataclass
class FetchedDataset:
    """A dataset with its tasks on disk."""

    spec: DatasetSpec
    suite: Suite
    checkouts: list[Checkout]


def _git(args: list[str], cwd: Path | None, url: str) -> str:
    """Run git; raise :class:`DatasetError` naming the (credential-free) URL and git's last line."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=_GIT_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise DatasetError("git is not installed; datasets are fetched with git (apt-get install git)") from None
    except subprocess.TimeoutExpired:
        raise DatasetError(f"{safe_url(url)}: git {args[0]} took over {_GIT_TIMEOUT_S:.0f} s") from None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("warning:")]
        last = (lines[-1] if lines else f"exit status {proc.returncode}").replace(url, safe_url(url))
        raise DatasetError(f"{safe_url(url)}: git {args[0]} failed: {last.strip()}")
    return proc.stdout


def repo_dir(git_url: str) -> Path:
    """The cache folder of a repository: readable name plus a hash of the whole URL."""
    tail = safe_url(git_url).rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", tail).strip("-.") or "repo"
    return cache_root() / f"{slug}-{hashlib.sha256(git_url.encode()).hexdigest()[:12]}"


def _checkout_dir(git_url: str, commit: str, paths: list[str]) -> Path:
    # The folder names its sparse paths too: a second dataset of the same repository and commit
    # with other folders gets a checkout of its own instead of a half-filled shared one.
    key = hashlib.sha256("\0".join(sorted(set(paths))).encode()).hexdigest()[:8]
    return repo_dir(git_url) / f"{commit}-{key}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def resolve_head(git_url: str) -> str:
    """The commit the repository's default branch points at now.

    Raises:
        DatasetError: the repository cannot be reached.
    """
    out = _git(["ls-remote", git_url, "HEAD"], None, git_url)
    sha = out.split()[0] if out.split() else ""
    if not _FULL_SHA.match(sha):
        raise DatasetError(f"{safe_url(git_url)}: the repository has no default branch (HEAD) to follow")
    return sha


def _find_present(git_url: str, commit: str, paths: list[str]) -> Path | None:
    """A whole checkout of this commit in the cache (``commit`` may be abbreviated)."""
    repo = repo_dir(git_url)
    if not repo.is_dir():
        return None
    key = _checkout_dir(git_url, "x", paths).name.split("-", 1)[1]
    for d in sorted(repo.glob(f"{commit}*-{key}")):
        if (d / MARKER).is_file():
            return d
    return None


def fetch_commit(git_url: str, commit: str, paths: list[str]) -> Checkout:
    """The checkout of ``commit`` of ``git_url`` holding ``paths``, cloned if the cache lacks it.

    Raises:
        DatasetError: the clone or fetch failed, the commit is not in the repository, or a path
            is not a folder at that commit. Nothing is left in the cache then.
    """
    present = _find_present(git_url, commit, paths)
    if present is not None:
        return Checkout(git_url, _read_marker(present)["commit"], present, fetched=False)
    lock_at = _checkout_dir(git_url, commit, paths)
    with _locked(lock_at):
        present = _find_present(git_url, commit, paths)  # another run may have finished it meanwhile
        if present is not None:
            return Checkout(git_url, _read_marker(present)["commit"], present, fetched=False)
        _remove_abandoned(lock_at.parent)
        tmp = lock_at.parent / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
        try:
            full = _clone_into(tmp, git_url, commit, paths)
            final = _checkout_dir(git_url, full, paths)
            try:
                os.rename(tmp, final)
            except OSError as exc:
                # Another run fetched the same commit under its other spelling (abbreviated vs full
                # id, so another lock) and renamed first: its checkout is as good as this one.
                if not (final / MARKER).is_file():
                    raise DatasetError(f"{final}: cannot move the checkout into the cache ({exc})") from None
                shutil.rmtree(tmp)
                return Checkout(git_url, full, final, fetched=False)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    log.info("fetched %s at %s into %s", safe_url(git_url), full[:12], final)
    return Checkout(git_url, full, final, fetched=True)


def _remove_abandoned(repo: Path) -> None:
    """Remove temporary folders of fetches whose process is gone (killed mid-clone)."""
    for tmp in repo.glob(".tmp-*"):
        pid = tmp.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clone_into(tmp: Path, git_url: str, commit: str, paths: list[str]) -> str:
    """Fetch ``commit`` into the new folder ``tmp``, check out ``paths``, verify; the full commit id."""
    tmp.mkdir(parents=True)
    _git(["init", "-q"], tmp, git_url)
    _git(["remote", "add", "origin", git_url], tmp, git_url)
    try:  # just the one commit: servers (protocol v2) serve a commit by id
        _git(["fetch", "-q", "--depth", "1", "--filter=blob:none", "origin", commit], tmp, git_url)
        target = "FETCH_HEAD"
    except DatasetError as first:
        # An abbreviated id cannot be fetched by itself: fetch the branches and tags, find it there.
        try:
            _git(["fetch", "-q", "--filter=blob:none", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*"],
                 tmp, git_url)  # fmt: skip
        except DatasetError:
            raise first from None
        target = commit
    if "." not in paths:
        _git(["sparse-checkout", "set", "--cone", *sorted(set(paths))], tmp, git_url)
    try:
        _git(["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", f"{target}^{{commit}}"], tmp, git_url)
    except DatasetError:
        raise DatasetError(f"{safe_url(git_url)}: commit {commit} is not in the repository") from None
    full = _git(["rev-parse", "HEAD"], tmp, git_url).strip()
    if not full.startswith(commit):  # the server handed over something else than what was asked
        raise DatasetError(f"{safe_url(git_url)}: asked for commit {commit}, got {full}")
    missing = [p for p in paths if not (tmp / p).is_dir()]
    if missing:
        raise DatasetError(f"{safe_url(git_url)}: commit {full[:12]} has no folder {missing[0]!r}")
    shutil.rmtree(tmp / ".git")  # the tree is all a run needs; it can never be half-updated later
    marker = {
        "git_url": safe_url(git_url),
        "commit": full,
        "paths": sorted(set(paths)),
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (tmp / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    return full


def _read_marker(checkout: Path) -> dict[str, str]:
    data = json.loads((checkout / MARKER).read_text(encoding="utf-8"))
    return {"commit": str(data["commit"])}


def fetch_dataset(spec: DatasetSpec, registry: LoadedRegistry) -> FetchedDataset:
    """Fetch every task of ``spec`` and load them as the suite ``NAME@VERSION``.

    Raises:
        DatasetError: a repository cannot be fetched, a commit or folder is missing, or two
            tasks share a name.
        TaskError: a fetched task folder is not a valid task.
    """
    groups: dict[tuple[str, str | None], list[RegistryTask]] = {}
    for t in spec.tasks:
        if t.git_url is not None:
            groups.setdefault((t.git_url, t.git_commit_id), []).append(t)
    checkouts: dict[tuple[str, str | None], Checkout] = {}
    for (url, commit), entries in groups.items():
        pinned = commit if commit is not None else resolve_head(url)
        if commit is None:
            log.warning("dataset %s: %s names no commit; taking its default branch at %s", spec.ref, safe_url(url),
                        pinned[:12])  # fmt: skip
        checkouts[(url, commit)] = fetch_commit(url, pinned, [e.path for e in entries])
    tasks = [_load(spec, t, registry, checkouts) for t in spec.tasks]
    names = [t.name for t in tasks]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DatasetError(f"dataset {spec.ref}: two task folders are named {dupes[0]!r} (a run names tasks by folder)")
    config = SuiteConfig(name=spec.ref, version=spec.version, description=spec.description)
    root = next(iter(checkouts.values())).path if checkouts else (registry.base_dir or Path.cwd())
    suite = Suite(name=spec.ref, path=root, config=config, tasks=tasks)
    return FetchedDataset(spec, suite, list(checkouts.values()))


def _load(
    spec: DatasetSpec, entry: RegistryTask, registry: LoadedRegistry, checkouts: dict[tuple[str, str | None], Checkout]
) -> Task:
    if entry.git_url is None:
        if registry.base_dir is None:
            raise DatasetError(
                f"dataset {spec.ref}: task {entry.name!r} has no git_url, and a local path needs a registry file "
                f"(not the URL {registry.source})"
            )
        path = registry.base_dir / entry.path
        origin = DatasetOrigin(dataset=spec.name, version=spec.version, task=entry.name, path=entry.path)
    else:
        co = checkouts[(entry.git_url, entry.git_commit_id)]
        path = co.path / entry.path
        origin = DatasetOrigin(
            dataset=spec.name,
            version=spec.version,
            task=entry.name,
            git_url=safe_url(entry.git_url),
            commit=co.commit,
            path=entry.path,
            pinned=entry.pinned,
        )
    task = load_task(path, suite=spec.ref)
    # A task is named after its folder everywhere (a Dask worker reloads it from its folder); the
    # registry's name for it is kept in the origin.
    if task.name != entry.name:
        log.warning("dataset %s: task %r is the folder %s; it runs under the folder's name", spec.ref, entry.name,
                    entry.path)  # fmt: skip
    task.origin = origin
    return task


def load_dataset(ref: str, registry: str | Path | None = None) -> FetchedDataset:
    """Read the registry, resolve ``ref`` and fetch its tasks.

    Raises:
        DatasetError: see :func:`read_registry`, :func:`resolve` and :func:`fetch_dataset`.
    """
    reg = read_registry(registry)
    return fetch_dataset(resolve(reg, ref), reg)


def expand_refs(items: list[Path] | list[str], registry: str | Path | None = None) -> list[Path | str | Suite]:
    """Command-line items with each ``NAME@VERSION`` replaced by its fetched suite (folders stay)."""
    out: list[Path | str | Suite] = []
    reg: LoadedRegistry | None = None
    for item in items:
        if not is_dataset_ref(item):
            out.append(item)
            continue
        if reg is None:
            reg = read_registry(registry)
        try:
            out.append(fetch_dataset(resolve(reg, str(item)), reg).suite)
        except TaskError as exc:  # a fetched folder that is not a valid task: say which dataset
            raise DatasetError(f"dataset {item}: {exc}") from None
    return out
