"""Dataset registries in Harbor's format, and where a dataset's task came from.

A registry is a JSON list of datasets; each names its tasks by git repository, commit and
path inside the checkout::

    [{"name": "mini", "version": "1.0", "description": "...",
      "tasks": [{"name": "t1", "git_url": "https://...", "git_commit_id": "3f2a...", "path": "tasks/t1"}]}]

A task without ``git_url`` is a folder relative to the registry file. A task without
``git_commit_id`` (or with ``"head"``) follows the repository's default branch: the commit it
resolved to is recorded in the run manifest, but two runs of it may differ.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

HEAD = "head"
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


class RegistryTask(BaseModel):
    """One task of a dataset: a folder at a commit of a git repository."""

    model_config = ConfigDict(extra="forbid")  # a misspelt git_commit_id must not silently unpin a task

    name: str = Field(min_length=1, description="The task's name in the dataset (a run names it by its folder).")
    git_url: str | None = Field(None, description="Repository to clone; unset: path is relative to the registry file.")
    git_commit_id: str | None = Field(
        None, description="Commit to check out (hex, 7 to 40 digits); unset or 'head': the default branch's tip."
    )
    path: str = Field(min_length=1, description="The task folder inside the checkout.")

    @field_validator("git_commit_id")
    @classmethod
    def _commit(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() == HEAD:
            return None
        value = value.strip().lower()
        if not _COMMIT.match(value):
            raise ValueError(f"{value!r} is not a commit id (7 to 40 hex digits, or 'head')")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        parts = value.replace("\\", "/").strip("/").split("/")
        if value.startswith("/") or ".." in parts:
            raise ValueError(f"{value!r} must be a relative path inside the checkout")
        return "/".join(p for p in parts if p not in ("", ".")) or "."

    @property
    def pinned(self) -> bool:
        return self.git_commit_id is not None


class DatasetSpec(BaseModel):
    """One dataset at one version."""

    model_config = ConfigDict(extra="allow")  # Harbor adds fields (metrics, ...) that change nothing here

    name: str = Field(min_length=1, description="Dataset name, the part before @ in NAME@VERSION.")
    version: str = Field(min_length=1, description="Dataset version, the part after @ ('head' follows branches).")
    description: str = Field("", description="What the dataset measures.")
    tasks: list[RegistryTask] = Field(min_length=1, description="The dataset's tasks.")
    metrics: list[dict[str, Any]] = Field(default_factory=list, description="Harbor's metric configs (not used here).")

    @field_validator("name", "version")
    @classmethod
    def _no_at(cls, value: str) -> str:
        if "@" in value or value != value.strip():
            raise ValueError(f"{value!r} must not contain '@' or surrounding spaces")
        return value

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


class Registry(RootModel[list[DatasetSpec]]):
    """A registry file: a JSON list of datasets."""

    root: list[DatasetSpec]


class DatasetOrigin(BaseModel):
    """Where a task of a run came from, when it came from a dataset (in run.json, per task)."""

    dataset: str = Field(description="Dataset name.")
    version: str = Field(description="Dataset version.")
    task: str = Field("", description="The registry's name for the task (it runs under its folder's name).")
    git_url: str | None = Field(None, description="Repository cloned (credentials removed); None for a local folder.")
    commit: str | None = Field(None, description="Full commit id checked out; None for a local folder.")
    path: str = Field(description="The task folder inside the checkout.")
    pinned: bool = Field(True, description="False when the registry named no commit (the branch tip was taken).")
