"""task.toml and suite.toml as pydantic models.

A superset of the Harbor / Terminal-Bench 2 task format: every Harbor field loads
unchanged, and horizonbench adds ``[horizon]``, grading fields under ``[verifier]``,
``[[milestones]]`` and ``[[tools]]``. Unknown fields are errors (a typo must not be
silently ignored); older spellings load with a warning.
"""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TASK_SCHEMA_VERSION = "1.1"

DEFAULT_PROTECTED = [
    "tests/**",
    "test/**",
    "**/tests/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "conftest.py",
    "**/sitecustomize.py",
    "sitecustomize.py",
    "**/usercustomize.py",
    "**/*.pth",
    "pytest.ini",
    "tox.ini",
]
"""Paths an agent's change may not alter before fresh-mode grading: they are restored
from the task's base state (and the attempt is flagged) so that editing or planting
tests, conftest.py or interpreter start-up hooks gains nothing."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Author(_Model):
    name: str = Field(description="Author name.")
    email: str | None = Field(None, description="Author email address.")


class PackageInfo(_Model):
    """Harbor's ``[task]`` section: the task's package identity."""

    name: str = Field(description="Package name, 'org/name'.")
    version: str | None = Field(None, min_length=1, description="Package version (any non-empty string).")
    description: str = Field("", description="Human-readable description of the task.")
    authors: list[Author] = Field(default_factory=list, description="Package authors.")
    keywords: list[str] = Field(default_factory=list, description="Keywords for search.")


class Metadata(BaseModel):
    """Harbor's free-form ``[metadata]``; the fields horizonbench reads are typed."""

    model_config = ConfigDict(extra="allow")

    author_name: str | None = Field(None, description="Task author.")
    author_email: str | None = Field(None, description="Task author's email.")
    difficulty: str | None = Field(None, description="easy | medium | hard (free text accepted).")
    category: str | None = Field(None, description="Category, e.g. programming, debugging.")
    tags: list[str] = Field(default_factory=list, description="Tags for filtering.")
    family: str | None = Field(None, description="Task family: tasks built on one code base cluster in statistics.")
    expert_time_estimate_min: float | None = Field(None, description="Minutes an expert needs (Terminal-Bench 2).")
    junior_time_estimate_min: float | None = Field(None, description="Minutes a junior needs (Terminal-Bench 2).")
    created: date | None = Field(
        None,
        description="When the task came to exist (YYYY-MM-DD): for imported SWE-bench instances the upstream "
        "pull request's created_at. Results split on it against a model's training cut-off.",
    )


NetworkMode = Literal["public", "no-network", "allowlist"]


class AgentSection(_Model):
    timeout_sec: float | None = Field(None, gt=0, description="Wall-clock limit of the agent phase.")
    user: str | int | None = Field(None, description="User the agent runs as (default: the image's).")
    network_mode: NetworkMode | None = Field(None, description="Harbor network policy (sandboxes stay offline).")
    allowed_hosts: list[str] = Field(default_factory=list, description="Harbor allowlist hosts.")


class HealthcheckConfig(_Model):
    command: str = Field(description="Shell command; exit 0 means ready.")
    interval_sec: float = Field(5.0, description="Seconds between attempts.")
    timeout_sec: float = Field(30.0, description="Seconds one attempt may take.")
    start_period_sec: float = Field(0.0, description="Grace period before failures count.")
    start_interval_sec: float = Field(5.0, description="Seconds between attempts in the grace period.")
    retries: int = Field(3, description="Consecutive failures before the environment is unhealthy.")


class MCPServerConfig(_Model):
    name: str = Field(description="Server name.")
    transport: str = Field("sse", description="sse | streamable-http | stdio.")
    url: str | None = Field(None, description="URL for sse / streamable-http.")
    command: str | None = Field(None, description="Command for stdio.")
    args: list[str] = Field(default_factory=list, description="Arguments for stdio.")


class TpuSpec(_Model):
    type: str = Field(min_length=1, description="TPU accelerator type, e.g. 'v6e'.")
    topology: str = Field(pattern=r"^[1-9]\d*(x[1-9]\d*)+$", description="TPU topology, e.g. '2x4'.")


class EnvironmentSection(_Model):
    build_timeout_sec: float = Field(600.0, gt=0, description="Image build limit in seconds.")
    docker_image: str | None = Field(None, description="Prebuilt image to use instead of environment/.")
    cpus: float = Field(1, gt=0, description="CPU cores for the sandbox.")
    memory_mb: int = Field(2048, ge=16, description="Memory cap in MiB.")
    storage_mb: int = Field(10240, ge=1, description="Disk the task expects (advisory on this engine).")
    gpus: int = Field(0, ge=0, description="GPUs the task needs.")
    gpu_types: list[str] | None = Field(None, description="Acceptable GPU types.")
    tpu: TpuSpec | None = Field(None, description="TPU slice the task needs.")
    os: Literal["linux", "windows"] = Field("linux", description="Operating system of the task's container.")
    allow_internet: bool = Field(True, description="Harbor field; horizonbench sandboxes never get a network.")
    network_mode: NetworkMode | None = Field(None, description="Harbor network policy.")
    allowed_hosts: list[str] = Field(default_factory=list, description="Harbor allowlist hosts.")
    mcp_servers: list[MCPServerConfig] = Field(default_factory=list, description="MCP servers for the agent.")
    env: dict[str, str] = Field(default_factory=dict, description="Environment variables in the sandbox.")
    skills_dir: str | None = Field(None, description="Harbor skills directory.")
    healthcheck: HealthcheckConfig | None = Field(None, description="Readiness check after start.")
    # horizonbench additions
    pids: int = Field(1024, ge=8, description="Most processes in the sandbox.")
    workdir: str | None = Field(None, description="Agent's working directory (default: the image's WORKDIR).")
    include: dict[str, str] = Field(
        default_factory=dict,
        description="Shared files added to the image build context: destination (relative to environment/) "
        "-> source (relative to the task directory, inside its suite folder); tasks share code without copies.",
    )
    python_requirements: list[str] = Field(
        default_factory=list,
        description="pip requirements downloaded on the host into environment/wheelhouse for offline installs.",
    )
    python_downloads: list[str] = Field(
        default_factory=list,
        description="pip requirements downloaded into the same wheelhouse but not installed by it (resolved apart "
        "from python_requirements): what a later install in the image, such as a repository's, takes offline.",
    )
    source_packages: list[str] = Field(
        default_factory=list,
        description="Pinned sdists ('name==version') downloaded on the host into sources/ of the build context.",
    )
    python_version: str | None = Field(
        None,
        description="Python ('X.Y') the python_requirements are downloaded for, when the image's Python is not "
        "the host's (wheels only then).",
        pattern=r"^[0-9]+\.[0-9]+$",
    )
    layer: str | None = Field(
        None,
        description="Folder (relative to the task directory, inside its suite) of a shared environment image built "
        "first: a Dockerfile and a layer.toml with its own [environment]. The Dockerfile gets its tag as the "
        "build argument HB_LAYER ('ARG HB_LAYER' then 'FROM ${HB_LAYER}').",
    )

    @field_validator("os", mode="before")
    @classmethod
    def _os_lower(cls, v: Any) -> Any:
        return v.lower() if isinstance(v, str) else v

    @field_validator("source_packages")
    @classmethod
    def _pinned(cls, v: list[str]) -> list[str]:
        for spec in v:
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*", spec.strip()):
                raise ValueError(f"{spec!r} is not pinned; write 'name==version'")
        return [spec.strip() for spec in v]

    @model_validator(mode="before")
    @classmethod
    def _old_sizes(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in (("memory", "memory_mb"), ("storage", "storage_mb")):
                if old in data:
                    warnings.warn(f"[environment] {old} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
                    data = {**data, new: _size_mb(str(data[old]))}
                    data.pop(old)
        return data


def _size_mb(text: str) -> int:
    text = text.strip().upper()
    for suffix, factor in (("G", 1024.0), ("M", 1.0), ("K", 1 / 1024)):
        if text.endswith(suffix):
            try:
                return int(float(text[:-1]) * factor)
            except OverflowError:  # "1e400G": infinite
                break
    raise ValueError(f"size {text!r}: expected a number with G, M or K, like '2G'")


class ContinuousVerification(BaseModel):
    """Harbor's ``[verifier.continuous]`` (submissions graded during the agent phase); loads, has no effect."""

    model_config = ConfigDict(extra="allow")

    enabled: bool = Field(False, description="Verify submissions during the agent phase.")


class CollectCommand(_Model):
    """One ``[[verifier.collect]]`` hook."""

    command: str = Field(description="Shell command run in the service.")
    service: str = Field("main", description="Compose service; only 'main' (the agent's container) runs here.")
    timeout_sec: float = Field(60.0, gt=0, description="Limit of the command in seconds.")
    user: str | int | None = Field(None, description="User the command runs as (default: the container's).")


class VerifierSection(_Model):
    timeout_sec: float = Field(600.0, gt=0, description="Limit of the test run in seconds.")
    env: dict[str, str] = Field(default_factory=dict, description="Environment of the test run.")
    user: str | int | None = Field(None, description="User the tests run as.")
    network_mode: NetworkMode | None = Field(None, description="Harbor network policy.")
    allowed_hosts: list[str] = Field(default_factory=list, description="Harbor allowlist hosts.")
    environment_mode: Literal["shared", "separate"] | None = Field(
        None, description="Harbor: the tests run in the agent's environment (shared) or a container of their own."
    )
    environment: EnvironmentSection | None = Field(None, description="Harbor: the separate verifier's environment.")
    continuous: ContinuousVerification = Field(
        default_factory=ContinuousVerification, description="Harbor: verify submissions while the agent works."
    )
    collect: list[CollectCommand] = Field(
        default_factory=list,
        description="[[verifier.collect]]: commands run in the agent's container after the agent phase and before "
        "artifacts are collected (to write runtime state into files an artifact entry collects).",
    )
    # horizonbench additions
    grader: Literal["reward", "swebench", "milestones"] = Field(
        "reward", description="reward: reward.txt/json; swebench: FAIL_TO_PASS/PASS_TO_PASS; milestones: all pass."
    )
    mode: Literal["fresh", "same"] | None = Field(
        None, description="fresh: agent's diff applied to a clean container; same: the agent's container."
    )
    command: str | None = Field(None, description="Test command (default: bash <tests_dir>/test.sh).")
    tests_dir: str = Field("/tests", description="Where the hidden tests/ are copied at grading time.")
    include: dict[str, str] = Field(
        default_factory=dict,
        description="Shared files added beside the hidden tests when they are copied in: destination (relative "
        "to tests/) -> source (relative to the task directory, inside its suite folder).",
    )
    fail_to_pass: list[str] = Field(default_factory=list, description="Tests the fix must make pass.")
    pass_to_pass: list[str] = Field(default_factory=list, description="Tests that must keep passing.")
    log_parser: str = Field("parse_log_pytest", description="swebench log parser for the test output.")
    eval_script: str | None = Field(
        None,
        description="A SWE-bench eval script (a file of the task directory) run in place of command where the "
        "sandbox runs the task's docker_image or its stand-in: swebench's harness semantics, the log between its "
        "'>>>>> Start Test Output' and '>>>>> End Test Output' markers graded. A build of environment/ uses "
        "build_eval_script where set, else command.",
    )
    build_eval_script: str | None = Field(
        None,
        description="The eval script (a file of the task directory) for a build of environment/: run as eval_script "
        "is, for tests that run under their repository's own runner (Django's runtests.py, SymPy's bin/test) rather "
        "than a pytest command.",
    )
    eval_type: Literal["pass_and_fail", "fail_only"] = Field(
        "pass_and_fail",
        description="swebench's EvalType: pass_and_fail (a listed test passes only where the log shows it pass) or "
        "fail_only (it passes unless the log shows it fail).",
    )
    protected: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PROTECTED),
        description="Globs (relative to the workdir) restored from the base state before fresh grading.",
    )

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in (("FAIL_TO_PASS", "fail_to_pass"), ("PASS_TO_PASS", "pass_to_pass")):
                if old in data:
                    warnings.warn(f"[verifier] {old} is spelled {new} now", DeprecationWarning, stacklevel=2)
                    data = {**data, new: data[old]}
                    data.pop(old)
        return data


class SolutionSection(_Model):
    env: dict[str, str] = Field(default_factory=dict, description="Environment of the oracle solution.")


class ArtifactSpec(_Model):
    """A path collected from the agent's container after the agent phase (Harbor's ``artifacts``)."""

    source: str = Field(description="Path in the container (relative paths are from the workdir).")
    destination: str | None = Field(
        None, description="Where it lands, relative to the trial's artifacts/ (default: the source path)."
    )
    exclude: list[str] = Field(default_factory=list, description="Patterns left out of a directory (tar --exclude).")
    service: str | None = Field(None, description="Compose service; only the agent's container (main) here.")

    @field_validator("source")
    @classmethod
    def _no_parent(cls, v: str) -> str:
        if ".." in PurePosixPath(v).parts:
            raise ValueError(f"artifact source {v!r} must not contain '..'")
        return v

    @field_validator("destination")
    @classmethod
    def _relative(cls, v: str | None) -> str | None:
        if not v:
            return None
        path = PurePosixPath(v)
        if path.is_absolute() or ".." in path.parts or "\\" in v:
            raise ValueError(f"artifact destination {v!r} must be a relative path without '..'")
        if v.rstrip("/") == "manifest.json":
            raise ValueError("artifact destination 'manifest.json' is where the collection manifest goes")
        return v

    @property
    def target(self) -> str:
        """The path under the trial's artifacts/ directory."""
        return self.destination or self.source.lstrip("/") or "root"


def _artifact_list(v: Any) -> Any:
    """Harbor writes an artifact as a bare path or as a table."""
    if isinstance(v, list):
        return [{"source": a} if isinstance(a, str) else a for a in v]
    return v


class StepConfig(_Model):
    """One ``[[steps]]`` entry of a multi-step task: its files live in ``steps/<name>/``
    (instruction.md, tests/, solution/, workdir/ with an optional setup.sh)."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Step name: its folder under steps/.")
    agent: AgentSection = Field(default_factory=AgentSection, description="The step's agent limits (over [agent]).")
    verifier: VerifierSection = Field(
        default_factory=VerifierSection, description="The step's verifier (fields it sets override [verifier])."
    )
    min_reward: float | dict[str, float] | None = Field(
        None,
        description="Stop the remaining steps when this step's reward is below it (a table: per reward key).",
    )
    healthcheck: HealthcheckConfig | None = Field(None, description="Readiness check before the step's agent.")
    artifacts: list[ArtifactSpec] = Field(
        default_factory=list, description="Collected after this step into steps/<name>/artifacts/."
    )

    _artifacts = field_validator("artifacts", mode="before")(_artifact_list)


class HorizonSection(_Model):
    steps: int | None = Field(None, ge=1, description="Dependent agent steps the task needs.")
    expert_minutes: float | None = Field(None, gt=0, description="Minutes an expert needs.")


class Milestone(_Model):
    name: str = Field(description="What has been achieved at this checkpoint.")
    tests: list[str] = Field(description="Test ids (as the log parser reports them) that must all pass.")

    @model_validator(mode="before")
    @classmethod
    def _selector(cls, data: Any) -> Any:
        if isinstance(data, dict) and "selector" in data:
            sel = data["selector"]
            data = {k: v for k, v in data.items() if k != "selector"}
            data.setdefault("tests", [sel] if isinstance(sel, str) else sel)
        return data


class ToolSpec(_Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$", description="Tool name the model calls.")
    description: str = Field(description="What the tool does, for the model.")
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON schema of the arguments.",
    )
    command: str = Field(description="Command run in the sandbox; arguments arrive as JSON on stdin.")


class TaskConfig(_Model):
    """The whole of task.toml."""

    schema_version: str = Field(TASK_SCHEMA_VERSION, description="task.toml schema version.")
    source: str | None = Field(None, description="Where the task comes from.")
    task: PackageInfo | None = Field(None, description="Harbor [task] package identity.")
    metadata: Metadata = Field(default_factory=Metadata, description="[metadata]: family, difficulty, tags...")
    agent: AgentSection = Field(default_factory=AgentSection, description="[agent]: the agent phase's limits.")
    environment: EnvironmentSection = Field(
        default_factory=EnvironmentSection, description="[environment]: image, resources, requirements."
    )
    verifier: VerifierSection = Field(default_factory=VerifierSection, description="[verifier]: how it is graded.")
    solution: SolutionSection = Field(default_factory=SolutionSection, description="[solution]: the oracle's env.")
    horizon: HorizonSection = Field(default_factory=HorizonSection, description="[horizon]: the task's length.")
    milestones: list[Milestone] = Field(default_factory=list, description="[[milestones]]: checkpoints, in order.")
    tools: list[ToolSpec] = Field(default_factory=list, description="[[tools]]: task-specific tools for the agent.")
    artifacts: list[ArtifactSpec] = Field(
        default_factory=list,
        description="Paths collected from the agent's container after the agent phase into the trial's artifacts/.",
    )
    steps: list[StepConfig] | None = Field(
        None, description="[[steps]]: a multi-step task's steps, run in order in one sandbox."
    )
    multi_step_reward_strategy: Literal["mean", "final"] | None = Field(
        None,
        description="A multi-step trial's reward: mean of the steps verified (default) or the last one's.",
    )

    _artifacts = field_validator("artifacts", mode="before")(_artifact_list)

    @model_validator(mode="before")
    @classmethod
    def _version_rename(cls, data: Any) -> Any:
        if isinstance(data, dict) and "version" in data:
            warnings.warn("version is spelled schema_version now", DeprecationWarning, stacklevel=2)
            data = dict(data)
            data.setdefault("schema_version", str(data.pop("version")))
        return data

    @model_validator(mode="after")
    def _grading_consistent(self) -> TaskConfig:
        if self.verifier.grader == "swebench" and not self.verifier.fail_to_pass:
            raise ValueError("verifier.fail_to_pass: the swebench grader needs at least one test")
        if self.verifier.eval_script and not self.environment.docker_image:
            raise ValueError("verifier.eval_script: it runs on the task's prebuilt image; set environment.docker_image")
        if self.verifier.grader == "milestones" and not self.milestones:
            raise ValueError("milestones: the milestones grader needs at least one [[milestones]] entry")
        names = [step.name for step in self.steps or []]
        if self.steps is not None and not names:
            raise ValueError("steps: a multi-step task needs at least one [[steps]] entry")
        if names and self.milestones:
            raise ValueError("milestones: a multi-step task's [[steps]] are its milestones; drop [[milestones]]")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"steps: two steps are named {dupes[0]!r}; step names must be unique")
        return self


class SuiteConfig(_Model):
    """suite.toml."""

    schema_version: str = Field("1", description="suite.toml schema version.")
    name: str = Field(description="Suite name.")
    version: str = Field("0", description="Suite version; part of every run manifest.")
    description: str = Field("", description="What the suite measures.")
    attempts: int = Field(1, ge=1, le=1000, description="Default attempts per task.")


# swebench parsers that read pytest's own -rA output (seaborn's and matplotlib's are
# pytest's with small tweaks); the others read other test runners' logs.
_PYTEST_STYLE_PARSERS = ("parse_log_seaborn", "parse_log_matplotlib")


def is_pytest_style(parser: str) -> bool:
    """Whether swebench's ``parser`` reads a pytest ``-rA`` log."""
    return parser.startswith("parse_log_pytest") or parser in _PYTEST_STYLE_PARSERS
