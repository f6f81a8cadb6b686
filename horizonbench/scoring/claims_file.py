"""The ``claims.toml`` format: what a vendor says about an agent or model, as checkable statements.

Example::

    schema_version = 1

    [[claim]]
    id = "x-resolves-70"
    text = "Model X resolves at least 70% of the swe suite"
    kind = "pass_rate"
    subject = { model = "x" }
    suite = "swe"
    op = ">="
    value = 0.70            # a fraction: 0.70 is 70%

    [[claim]]
    id = "x-near-z-long"
    text = "X is within 3 points of Z on long tasks"
    kind = "within"
    subject = { model = "x" }
    reference = { model = "z" }
    points = 3              # percentage points
    min_minutes = 60

    [[claim]]
    id = "x-horizon"
    text = "X's 50% time horizon is at least an hour"
    kind = "horizon"
    subject = { agent = "openai", model = "x" }
    quantile = 50
    op = ">="
    value = 60              # minutes
    method = "metr"         # optional: estimate it as METR does (default: "default")

    [[claim]]
    id = "x-cheaper"
    text = "X costs at most half as much per solved task as Z"
    kind = "cost_ratio"
    subject = { model = "x" }
    reference = { model = "z" }
    ratio = 0.5

Length filters select tasks with ``min_minutes <= expert_minutes < max_minutes``.

Estimation choices are optional fields of a claim, recorded with its verdict:

- ``interval`` on ``pass_rate`` and ``within`` claims: ``"cluster-t"`` (default; CR2
  clustered error, t at the Bell-McCaffrey degrees of freedom) or ``"cluster-normal"``;
- on ``horizon`` claims: ``method`` (a preset, ``"default"`` or ``"metr"``), and ``weights``
  (``"equal"`` or ``"invsqrt_family"``), ``l2`` or ``reg`` (the penalty on the slope, ``reg``
  on METR's scale) and ``interval`` (``"family-bootstrap"`` or ``"hierarchical-bootstrap"``),
  each replacing the preset's.

A claim that sets none of them follows the command line (``--horizon-method``,
``--interval``), and that follows the defaults.
"""

from __future__ import annotations

import difflib
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from horizonbench.errors import ClaimsFileError
from horizonbench.validation import field_name

SCHEMA_VERSION = 1
KINDS = ("pass_rate", "within", "horizon", "cost_ratio")


class Selector(BaseModel):
    """Which trials a claim speaks about: those of an agent, a model, or both."""

    model_config = ConfigDict(extra="forbid")

    agent: str | None = Field(default=None, description="Agent adapter name, as in the results' agent column.")
    model: str | None = Field(default=None, description="Model name, as in the results' model column.")

    @model_validator(mode="after")
    def _names_something(self) -> Selector:
        if self.agent is None and self.model is None:
            raise ValueError('must name an agent or a model, e.g. { model = "x" }')
        return self

    def label(self) -> str:
        """``agent='a', model='m'`` for messages."""
        return ", ".join(f"{k}={v!r}" for k, v in (("agent", self.agent), ("model", self.model)) if v is not None)


class _ClaimBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, description="Short unique name of the claim.")
    text: str = Field(description="What the vendor said, in their words.")
    subject: Selector = Field(description="The agent and/or model the claim is about.")
    suite: str | None = Field(default=None, description="Only trials of this suite.")
    created_after: date | None = Field(
        default=None,
        description="Only tasks created after this day (a model's stated training cut-off): tasks it cannot have "
        "seen. Tasks without metadata.created are left out.",
    )
    created_before: date | None = Field(default=None, description="Only tasks created on or before this day.")
    endpoint_reference: str | None = Field(
        default=None,
        description="A reference fingerprint (endpoints probe of the vendor's own API), relative to this file: "
        "the subject's runs must carry a fingerprint that agrees with it, or the verdict is inconclusive.",
    )
    min_endpoint_agreement: float = Field(
        default=0.9, ge=0, le=1, description="Lowest rate of tool calls agreeing with the reference that counts."
    )


class _LengthFilter(BaseModel):
    min_minutes: float | None = Field(
        default=None, ge=0, description="Only tasks with at least this many expert minutes."
    )
    max_minutes: float | None = Field(
        default=None, gt=0, description="Only tasks with fewer than this many expert minutes."
    )

    @field_validator("max_minutes")
    @classmethod
    def _after_min(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("min_minutes")
        if value is not None and low is not None and value <= low:
            raise ValueError(f"must be greater than min_minutes ({low})")
        return value


class _MeanInterval(BaseModel):
    interval: Literal["cluster-t", "cluster-normal"] | None = Field(
        default=None,
        description="Interval of a mean over tasks: cluster-t (the default) or cluster-normal (large-sample).",
    )


class PassRateClaim(_ClaimBase, _LengthFilter, _MeanInterval):
    """The subject's pass@1 is at least (or at most) ``value``."""

    kind: Literal["pass_rate"] = Field(description="pass@1 compared with a fixed value.")
    op: Literal[">=", "<="] = Field(description="Direction of the claim.")
    value: float = Field(ge=0, le=1, description="A fraction in [0, 1]: 0.7 means 70%.")


class WithinClaim(_ClaimBase, _LengthFilter, _MeanInterval):
    """The subject's pass@1 is within ``points`` of the reference's, on the tasks both ran."""

    kind: Literal["within"] = Field(description="|subject - reference| <= points.")
    reference: Selector = Field(description="What the subject is compared with.")
    points: float = Field(ge=0, le=100, description="Percentage points: 3 means 0.03.")


class HorizonClaim(_ClaimBase):
    """The subject's 50% or 80% time horizon is at least (or at most) ``value`` minutes."""

    kind: Literal["horizon"] = Field(description="Time horizon compared with a fixed number of minutes.")
    quantile: Literal[50, 80] = Field(default=50, description="Which horizon: 50 or 80 (% success).")
    op: Literal[">=", "<="] = Field(description="Direction of the claim.")
    value: float = Field(gt=0, description="Minutes of expert time.")
    method: Literal["default", "metr"] | None = Field(
        default=None, description="Estimation preset: default, or metr (METR's weighting, regularisation, bootstrap)."
    )
    weights: Literal["equal", "invsqrt_family"] | None = Field(
        default=None, description="Task weights: equal, or invsqrt_family (a family of m tasks weighs sqrt(m))."
    )
    l2: float | None = Field(default=None, ge=0, description="Penalty on the slope, weights summing to the tasks.")
    reg: float | None = Field(
        default=None, ge=0, description="Penalty on the slope on METR's scale (weights summing to 1, C = 1/reg)."
    )
    interval: Literal["family-bootstrap", "hierarchical-bootstrap"] | None = Field(
        default=None, description="Horizon interval: family-bootstrap, or hierarchical-bootstrap (METR's)."
    )

    @model_validator(mode="after")
    def _one_penalty(self) -> HorizonClaim:
        if self.l2 is not None and self.reg is not None:
            raise ValueError("give l2 or reg, not both (reg is l2 on METR's scale)")
        return self


class CostRatioClaim(_ClaimBase, _LengthFilter):
    """The subject's cost per solved task is at most ``ratio`` times the reference's."""

    kind: Literal["cost_ratio"] = Field(description="Cost per solved task relative to a reference.")
    reference: Selector = Field(description="What the subject is compared with.")
    ratio: float = Field(gt=0, description="Largest claimed ratio of subject to reference cost per solved task.")


class RobustClaim(_ClaimBase, _MeanInterval):
    """The subject does as well on variants of tasks (``tasks variants``: the same code base under
    other names) as on the originals: a large drop is evidence it solved the originals from memory."""

    kind: Literal["robust"] = Field(description="Pass rate on variants against their originals.")
    max_drop: float = Field(ge=0, le=100, description="Largest drop, in percentage points, that still counts.")


Claim = Annotated[
    PassRateClaim | WithinClaim | HorizonClaim | CostRatioClaim | RobustClaim, Field(discriminator="kind")
]


class ClaimsFile(BaseModel):
    """A claims file: a schema version and one or more ``[[claim]]`` tables."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    schema_version: int = Field(description="Version of this format; 1 is current.")
    claims: list[Claim] = Field(alias="claim", min_length=1, description="The claims, one [[claim]] table each.")
    _source: str = PrivateAttr(default="claims")

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value > SCHEMA_VERSION:
            raise ValueError(f"{value} is newer than this horizonbench reads ({SCHEMA_VERSION}); upgrade horizonbench")
        if value < 1:
            raise ValueError(f"must be at least 1, got {value}")
        return value

    @property
    def source(self) -> str:
        """The file the claims came from, for messages (``claims`` when built in code)."""
        return self._source


def load_claims(path: str | Path) -> ClaimsFile:
    """Read and validate a claims file.

    Raises:
        ClaimsFileError: the file cannot be read, is not valid TOML (the message gives the
            line), or breaks the schema (the message names the field, e.g.
            ``claims.toml: claim[2].op: must be '>=' or '<='``), or two claims share an id.
    """
    name = str(path)
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimsFileError(f"{name}: cannot read the claims file ({type(exc).__name__}: {exc})") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ClaimsFileError(f"{name}: invalid TOML: {exc}") from None
    try:
        parsed = ClaimsFile.model_validate(data)
    except ValidationError as exc:
        raise ClaimsFileError(f"{name}: {describe_error(exc)}") from None
    seen: dict[str, int] = {}
    for i, claim in enumerate(parsed.claims):
        if claim.id in seen:
            raise ClaimsFileError(f"{name}: claim[{i}].id: duplicate id {claim.id!r} (also claim[{seen[claim.id]}])")
        seen[claim.id] = i
    parsed._source = name
    return parsed


def describe_error(exc: ValidationError) -> str:
    """The first problem of a validation error as ``field.path: what is wrong``, one line."""
    # A misspelt field shows up as both an unknown and a missing field; the unknown one says more.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    path, kind = _path(err["loc"])
    kind_model = _MODELS.get(str(kind)) if kind else None
    etype = err["type"]
    if etype in ("union_tag_invalid", "union_tag_not_found"):
        path += ".kind"
        got = err.get("ctx", {}).get("tag")
        message = "must be one of " + ", ".join(repr(k) for k in KINDS)
        message += f" (got {got!r})" if got is not None else " (missing)"
    elif etype == "missing":
        message = "required field is missing"
    elif etype == "extra_forbidden":
        allowed = _allowed_fields(path, kind_model)
        close = difflib.get_close_matches(path.rsplit(".", 1)[-1], allowed, n=1)
        if close:
            message = f"unknown field (did you mean {close[0]!r}?)"
        else:
            message = "unknown field" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    elif etype == "list_type" and path == "claim":
        message = "must be a list of [[claim]] tables"
    elif etype == "too_short" and path == "claim":
        message = "at least one [[claim]] table is needed"
    else:
        message = str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
        shown = err.get("input")
        if not isinstance(shown, dict | list) and etype != "value_error":
            message += f" (got {shown!r})"
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{path}: {message}{suffix}"


_MODELS: dict[str, type[BaseModel]] = {
    "pass_rate": PassRateClaim,
    "within": WithinClaim,
    "horizon": HorizonClaim,
    "cost_ratio": CostRatioClaim,
}


def _allowed_fields(path: str, kind_model: type[BaseModel] | None) -> list[str]:
    """The fields allowed beside an unknown one at ``path``, for the error message."""
    parents = path.split(".")[:-1]
    if not parents:
        return ["claim", "schema_version"]
    if parents[-1] in ("subject", "reference"):
        return sorted(Selector.model_fields)
    if len(parents) == 1 and kind_model is not None:
        return sorted(kind_model.model_fields)
    return []


def _path(loc: tuple[int | str, ...]) -> tuple[str, str | None]:
    """``('claim', 2, 'pass_rate', 'op')`` -> ``('claim[2].op', 'pass_rate')``: the union tag is dropped."""
    parts: list[str] = []
    kind: str | None = None
    previous: int | str | None = None
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        elif isinstance(previous, int) and item in _MODELS:
            kind = item
        else:
            parts.append(item)
        previous = item
    return ".".join(field_name(p) for p in parts) or "(file)", kind
