"""Loading TOML files into pydantic models with one-line errors naming file and field."""

from __future__ import annotations

import logging
import tomllib
import warnings
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from horizonbench.errors import HorizonError

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)


def describe(exc: ValidationError) -> str:
    """The first problem of a validation error as ``field.path: message``."""
    first = exc.errors()[0]
    loc = ".".join(field_name(p) for p in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{loc}: unknown field (check its spelling and section)"
    if first["type"] == "missing":
        return f"{loc}: required field is missing"
    msg = first["msg"].removeprefix("Value error, ")
    extra = f" ({len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
    return f"{loc}: {msg}{extra}"


def field_name(part: object) -> str:
    """One part of a field path for a one-line message: quoted when it is not plain
    printable text (a TOML key may hold a newline)."""
    text = str(part)
    return text if text.isprintable() else repr(text)


def read_toml(path: Path, error: type[HorizonError]) -> dict[str, Any]:
    """Parse a TOML file; raise ``error`` naming the file (and line) on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: invalid TOML: {exc}") from None


def load_model(
    path: Path,
    model: type[M],
    error: type[HorizonError],
    data: dict[str, Any] | None = None,
    notices: list[str] | None = None,
) -> M:
    """Validate a TOML file (or already parsed ``data``) against ``model``.

    Deprecation warnings for older spellings go to ``notices`` when given (a suite sums them
    up in one line each), else they are logged as warnings naming the file.
    """
    raw = read_toml(path, error) if data is None else data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        try:
            obj = model.model_validate(raw)
        except ValidationError as exc:
            raise error(f"{path}: {describe(exc)}") from None
    for w in caught:
        if issubclass(w.category, DeprecationWarning):
            if notices is None:
                log.warning("%s: %s", path, w.message)
            else:
                notices.append(str(w.message))
    return obj
