"""Dataset registries in Harbor's format: reading one (file or URL), and resolving ``NAME@VERSION``.

Which registry: ``--registry PATH|URL``, else ``$HORIZONBENCH_REGISTRY``, else Harbor's public
registry (:data:`DEFAULT_REGISTRY_URL`, needs the internet).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version
from pydantic import ValidationError

from horizonbench.errors import DatasetError
from horizonbench.models.registry import HEAD, DatasetSpec, Registry
from horizonbench.validation import describe

DEFAULT_REGISTRY_URL = "https://raw.githubusercontent.com/laude-institute/harbor/main/registry.json"
REGISTRY_ENV = "HORIZONBENCH_REGISTRY"
_FETCH_TIMEOUT_S = 30.0
_REF = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._+-]*)(@(?P<version>[^@/\\\s]*))?$")


@dataclass(frozen=True)
class LoadedRegistry:
    """A registry and where it was read from (a local folder task's paths are relative to it)."""

    source: str
    datasets: list[DatasetSpec]
    base_dir: Path | None = None
    """The registry file's folder; None for a registry read from a URL."""

    def names(self) -> list[str]:
        return sorted({d.name for d in self.datasets})

    def versions(self, name: str) -> list[str]:
        return [d.version for d in self.datasets if d.name == name]


def registry_source(given: str | Path | None = None) -> str:
    """The registry to read: the one given, else ``$HORIZONBENCH_REGISTRY``, else Harbor's public one."""
    if given is not None and str(given).strip():
        return str(given).strip()
    return os.environ.get(REGISTRY_ENV, "").strip() or DEFAULT_REGISTRY_URL


def _is_url(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme in ("http", "https", "file")


def safe_url(url: str) -> str:
    """``url`` without a user name or password (tokens in clone URLs must not reach logs or results)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def read_registry(given: str | Path | None = None) -> LoadedRegistry:
    """Read and validate a registry.

    Raises:
        DatasetError: the file or URL cannot be read, is not JSON, or breaks the format (the
            message names the source and the field, e.g. ``reg.json: [0].tasks.[1].path: ...``).
    """
    source = registry_source(given)
    base_dir: Path | None = None
    if _is_url(source) and not source.startswith("file:"):
        shown = safe_url(source)
        try:
            with urllib.request.urlopen(source, timeout=_FETCH_TIMEOUT_S) as resp:  # noqa: S310 (http(s) only)
                text = resp.read().decode("utf-8")
        except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DatasetError(
                f"registry {shown}: cannot be fetched ({reason}); give a local copy with --registry PATH "
                f"or ${REGISTRY_ENV}"
            ) from None
    else:
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(source).path)) if _is_url(source) else Path(source)
        shown = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DatasetError(f"registry {path}: file not found (--registry PATH|URL or ${REGISTRY_ENV})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DatasetError(f"registry {path}: cannot be read ({exc})") from None
        base_dir = path.resolve().parent
    return LoadedRegistry(source=shown, datasets=parse_registry(text, shown), base_dir=base_dir)


def parse_registry(text: str, source: str) -> list[DatasetSpec]:
    """The datasets of a registry's JSON text.

    Raises:
        DatasetError: not JSON, not a list of datasets, or a field is missing or malformed;
            two datasets with the same name and version.
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"registry {source}: invalid JSON: {exc}") from None
    if not isinstance(raw, list):
        raise DatasetError(f"registry {source}: expected a JSON list of datasets, got {type(raw).__name__}")
    try:
        datasets = Registry.model_validate(raw).root
    except ValidationError as exc:
        raise DatasetError(f"registry {source}: {_where(exc, raw)}") from None
    seen: set[str] = set()
    for d in datasets:
        if d.ref in seen:
            raise DatasetError(f"registry {source}: dataset {d.ref} is listed twice")
        seen.add(d.ref)
    return datasets


def _where(exc: ValidationError, raw: list[object]) -> str:
    """``describe`` of the first problem, led by the dataset's name when it has one."""
    loc = exc.errors()[0]["loc"]
    text = describe(exc)
    entry = raw[loc[0]] if loc and isinstance(loc[0], int) else None
    if isinstance(entry, dict):
        name = entry.get("name")
        if isinstance(name, str):  # name the dataset, and drop its index from the field path
            return f"dataset {name!r}: {text.removeprefix(f'{loc[0]}.')}"
    return text


def is_dataset_ref(item: str | Path) -> bool:
    """Whether a command-line item names a dataset (``NAME@VERSION``) rather than a folder.

    A folder that exists wins, so a suite folder with an ``@`` in its name still loads.
    """
    text = str(item)
    return "@" in text and not Path(text).exists() and _REF.match(text) is not None


def split_ref(ref: str) -> tuple[str, str | None]:
    """``NAME@VERSION`` -> (name, version); ``NAME`` or ``NAME@`` -> (name, None).

    Raises:
        DatasetError: not of that form.
    """
    m = _REF.match(ref.strip())
    if m is None:
        raise DatasetError(f"{ref!r}: a dataset is named NAME@VERSION (e.g. terminal-bench@2.0)")
    return m["name"], (m["version"] or None)


def resolve_version(versions: list[str]) -> str:
    """The version taken when none is given, as Harbor takes it: ``head`` if listed, else the
    highest PEP 440 version, else the lexically last."""
    if HEAD in versions:
        return HEAD
    parsed = []
    for v in versions:
        try:
            parsed.append((Version(v), v))
        except InvalidVersion:
            continue
    if parsed:
        return max(parsed)[1]
    return sorted(versions)[-1]


def resolve(registry: LoadedRegistry, ref: str) -> DatasetSpec:
    """The dataset ``ref`` (``NAME@VERSION``, or ``NAME`` for the version Harbor would take) names.

    Raises:
        DatasetError: no such name or version; the message lists what the registry has.
    """
    name, version = split_ref(ref)
    versions = registry.versions(name)
    if not versions:
        known = ", ".join(registry.names()) or "none"
        raise DatasetError(f"dataset {name!r} is not in registry {registry.source} (it has: {known})")
    if version is None:
        version = resolve_version(versions)
    for d in registry.datasets:
        if d.name == name and d.version == version:
            return d
    raise DatasetError(
        f"dataset {name}@{version} is not in registry {registry.source} "
        f"(versions of {name}: {', '.join(sorted(versions))})"
    )
