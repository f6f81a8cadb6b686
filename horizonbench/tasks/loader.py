"""Task and suite directories: loading, hashing and filtering."""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from horizonbench.errors import TaskError
from horizonbench.hashing import hash_tree
from horizonbench.models.registry import DatasetOrigin
from horizonbench.models.task import SuiteConfig, TaskConfig, ToolSpec
from horizonbench.validation import load_model, read_toml

log = logging.getLogger(__name__)


@dataclass
class Task:
    """A loaded task directory."""

    name: str
    path: Path
    config: TaskConfig
    instruction: str
    suite: str = ""
    notices: list[str] = field(default_factory=list)
    """Older spellings and fields that load but have no effect here (summed up per suite)."""
    origin: DatasetOrigin | None = None
    """The dataset, repository and commit the task was fetched from (``NAME@VERSION``); None for a folder."""
    step: str | None = None
    """For one step of a multi-step task (:meth:`for_step`): the step's name."""

    @property
    def family(self) -> str:
        return self.config.metadata.family or self.name

    @property
    def difficulty(self) -> str | None:
        return self.config.metadata.difficulty

    @property
    def tags(self) -> list[str]:
        return list(self.config.metadata.tags)

    @property
    def variant_of(self) -> str | None:
        """The original task's name, for a variant (``tasks variants``); else None."""
        value = (self.config.metadata.model_extra or {}).get("variant_of")
        return str(value) if value else None

    @property
    def created(self) -> str | None:
        """The task's creation date (ISO 8601), or None when it does not say."""
        day = self.config.metadata.created
        return day.isoformat() if day is not None else None

    @property
    def expert_minutes(self) -> float | None:
        h = self.config.horizon.expert_minutes
        return h if h is not None else self.config.metadata.expert_time_estimate_min

    @property
    def steps(self) -> int | None:
        return self.config.horizon.steps

    @property
    def environment_dir(self) -> Path:
        return self.path / "environment"

    @property
    def tests_dir(self) -> Path:
        return self.path / "tests"

    @property
    def test_dirs(self) -> list[Path]:
        """The hidden tests' folders, copied in this order (a step's own tests/ over the task's)."""
        dirs = [self.tests_dir]
        if self.step is not None:
            dirs.append(self.step_dir(self.step) / "tests")
        return [d for d in dirs if d.is_dir()]

    @property
    def solution_dir(self) -> Path:
        if self.step is not None:
            return self.step_dir(self.step) / "solution"
        return self.path / "solution"

    @property
    def is_multi_step(self) -> bool:
        return bool(self.config.steps) and self.step is None

    def step_dir(self, name: str) -> Path:
        return self.path / "steps" / name

    def for_step(self, index: int) -> Task:
        """The task as one of its steps sees it: the step's instruction, tests (over the
        task's), solution, agent timeout, and verifier (the fields the step sets override
        the task's; their env is merged)."""
        steps = self.config.steps or []
        step = steps[index]
        task_v, step_v = self.config.verifier, step.verifier
        overrides = {name: getattr(step_v, name) for name in step_v.model_fields_set if name != "env"}
        verifier = task_v.model_copy(update={**overrides, "env": {**task_v.env, **step_v.env}})
        agent = self.config.agent.model_copy(
            update={name: getattr(step.agent, name) for name in step.agent.model_fields_set}
        )
        config = self.config.model_copy(update={"verifier": verifier, "agent": agent})
        instruction = _read_instruction(self.step_dir(step.name) / "instruction.md")
        return dataclasses.replace(self, config=config, instruction=instruction, step=step.name)

    @property
    def grading_mode(self) -> str:
        """fresh for repository tasks graded by tests, same for state tasks (the default)."""
        v = self.config.verifier
        if v.mode:
            return v.mode
        return "fresh" if v.grader == "swebench" else "same"

    @property
    def tools(self) -> list[ToolSpec]:
        return list(self.config.tools)

    def content_hash(self) -> str:
        """A hash of every file of the task, shared files it includes too (its version in run manifests)."""
        included = {**self.environment_includes(), **self.test_includes()}
        if not included:
            return hash_tree(self.path)
        h = hashlib.sha256(hash_tree(self.path).encode())
        for dest, src in sorted(included.items()):
            h.update(dest.encode() + b"\0" + hashlib.sha256(src.read_bytes()).digest())
        return h.hexdigest()

    def environment_includes(self) -> dict[str, Path]:
        """Shared files added to the image's build context: destination -> source file."""
        return self._includes(self.config.environment.include, "environment.include")

    def test_includes(self) -> dict[str, Path]:
        """Shared files added beside the hidden tests: destination -> source file."""
        return self._includes(self.config.verifier.include, "verifier.include")

    def _includes(self, spec: dict[str, str], field_name: str) -> dict[str, Path]:
        root = self.path.parent.resolve()  # the suite folder: shared files live there
        out: dict[str, Path] = {}
        for dest, src in spec.items():
            source = (self.path / src).resolve()
            if root not in source.parents or not source.is_file():
                raise TaskError(
                    f"{self.path / 'task.toml'}: {field_name} {src!r} is not a file in the suite folder {root}"
                )
            if dest.startswith("/") or ".." in Path(dest).parts:
                raise TaskError(f"{self.path / 'task.toml'}: {field_name} destination {dest!r} must be a relative path")
            out[dest] = source
        return out


@dataclass
class Suite:
    name: str
    path: Path
    config: SuiteConfig
    tasks: list[Task] = field(default_factory=list)


def is_task_dir(path: Path) -> bool:
    return (path / "task.toml").is_file()


def load_task(path: Path | str, suite: str = "") -> Task:
    """Load one task directory.

    Raises:
        TaskError: task.toml or instruction.md is missing or malformed (the message
            names the file and the field).
    """
    path = Path(path)
    toml_path = path / "task.toml"
    if not toml_path.is_file():
        raise TaskError(f"{path}: not a task directory (no task.toml)")
    notices: list[str] = []
    config = load_model(toml_path, TaskConfig, TaskError, notices=notices)
    notices += no_effect_fields(config)
    instruction_path = path / "instruction.md"
    if config.steps:
        # A multi-step task's instructions are its steps'; a top-level one is never sent.
        _check_steps(path, config)
        instruction = instruction_path.read_text(encoding="utf-8") if instruction_path.is_file() else ""
    else:
        instruction = _read_instruction(instruction_path)
    env = config.environment
    if env.docker_image is None and not (path / "environment" / "Dockerfile").is_file():
        raise TaskError(f"{toml_path}: environment.docker_image is unset and environment/Dockerfile is missing")
    v = config.verifier
    for key, script in (("eval_script", v.eval_script), ("build_eval_script", v.build_eval_script)):
        if script and not (path / script).is_file():
            raise TaskError(f"{toml_path}: verifier.{key} {script!r} is not a file of the task directory")
    if not config.steps and v.grader == "reward" and v.command is None and not (path / "tests" / "test.sh").is_file():
        raise TaskError(f"{path / 'tests'}: test.sh is missing and verifier.command is unset")
    task = Task(
        name=path.resolve().name,
        path=path.resolve(),
        config=config,
        instruction=instruction,
        suite=suite,
        notices=notices,
    )
    if not suite:
        for notice in notices:
            log.warning("%s: %s", toml_path, notice)
    return task


def _read_instruction(path: Path) -> str:
    try:
        instruction = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskError(f"{path}: file not found (every task needs its instruction)") from None
    if not instruction.strip():
        raise TaskError(f"{path}: the instruction is empty")
    return instruction


def _check_steps(path: Path, config: TaskConfig) -> None:
    """Every step has its instruction and a test.sh (its own or the task's).

    Raises:
        TaskError: naming the missing file.
    """
    for step in config.steps or []:
        step_dir = path / "steps" / step.name
        _read_instruction(step_dir / "instruction.md")
        command = step.verifier.command or config.verifier.command
        has_test = (step_dir / "tests" / "test.sh").is_file() or (path / "tests" / "test.sh").is_file()
        if config.verifier.grader == "reward" and command is None and not has_test:
            raise TaskError(f"{step_dir / 'tests'}: test.sh is missing (and so is {path / 'tests' / 'test.sh'})")


# Fields of Harbor's format that load but change nothing here, and why.
_NO_EFFECT: dict[tuple[str, str], str] = {
    ("environment", "gpus"): "sandboxes get no GPU",
    ("environment", "gpu_types"): "sandboxes get no GPU",
    ("environment", "tpu"): "sandboxes get no TPU",
    ("environment", "mcp_servers"): "MCP servers are not started for agents",
    ("environment", "skills_dir"): "skills are not given to agents",
    ("environment", "healthcheck"): "no readiness check runs before the agent",
    ("verifier", "user"): "tests run as the image's user",
    ("verifier", "environment"): "the tests run in a container of the task's own image",
}


def no_effect_fields(config: TaskConfig) -> list[str]:
    """A notice for each field set in the file that has no effect here."""
    out = []
    for (section, name), why in _NO_EFFECT.items():
        part = getattr(config, section)
        if name in part.model_fields_set and getattr(part, name):
            out.append(f"[{section}] {name} loads but has no effect: {why}")
    if config.verifier.environment_mode == "separate":
        out.append(
            "[verifier] environment_mode = separate loads but has no effect: the grading mode is [verifier] mode"
        )
    if config.environment.os == "windows":
        out.append("[environment] os = windows loads but has no effect: sandboxes are Linux containers")
    if config.verifier.continuous.enabled:
        out.append("[verifier.continuous] loads but has no effect: the tests run once, after the agent phase")
    if any(c.service != "main" for c in config.verifier.collect):
        out.append("[[verifier.collect]] service loads but has no effect: hooks run in the agent's container")
    if any(c.user is not None for c in config.verifier.collect):
        out.append("[[verifier.collect]] user loads but has no effect: hooks run as the container's user")
    artifacts = [*config.artifacts, *(a for s in config.steps or [] for a in s.artifacts)]
    if any(a.service not in (None, "main") for a in artifacts):
        out.append("artifacts service loads but has no effect: artifacts come from the agent's container")
    for step in config.steps or []:
        if step.healthcheck is not None:
            out.append("[[steps]] healthcheck loads but has no effect: no readiness check runs before the agent")
            break
    return out


def load_suite(path: Path | str) -> Suite:
    """Load a suite: a folder of task directories with an optional suite.toml.

    Raises:
        TaskError: the folder holds no task, or a task or suite.toml is malformed.
    """
    path = Path(path)
    if not path.is_dir():
        raise TaskError(f"{path}: no such suite directory (a dataset of a registry is named NAME@VERSION)")
    suite_toml = path / "suite.toml"
    if suite_toml.is_file():
        raw = read_toml(suite_toml, TaskError)
        config = load_model(suite_toml, SuiteConfig, TaskError, data=raw)
    else:
        config = SuiteConfig(name=path.resolve().name)
    tasks = [load_task(d, suite=config.name) for d in sorted(path.iterdir()) if d.is_dir() and is_task_dir(d)]
    if not tasks:
        raise TaskError(f"{path}: no task directories (folders with a task.toml) found")
    # One line per kind of notice for the whole suite, not a line per task.
    counts = Counter(n for t in tasks for n in dict.fromkeys(t.notices))
    for notice, n in counts.items():
        log.warning("suite %s (%s): %d of %d task(s): %s", config.name, path, n, len(tasks), notice)
    return Suite(name=config.name, path=path.resolve(), config=config, tasks=tasks)


def load_tasks(paths: Sequence[Path | str | Suite]) -> tuple[list[Task], list[Suite]]:
    """Load tasks from a mix of suite folders, task folders and suites already loaded (datasets),
    in order, without duplicates."""
    tasks: list[Task] = []
    suites: list[Suite] = []
    seen: set[Path] = set()
    for p in paths:
        if isinstance(p, Suite):
            suites.append(p)
            found = p.tasks
        elif is_task_dir(p := Path(p)):
            found = [load_task(p)]
        else:
            suite = load_suite(p)
            suites.append(suite)
            found = suite.tasks
        for t in found:
            if t.path not in seen:
                seen.add(t.path)
                tasks.append(t)
    names = [t.name for t in tasks]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise TaskError(f"two tasks share the name {dupes[0]!r}; task directory names must be unique in a run")
    return tasks, suites


def select(
    tasks: Sequence[Task],
    *,
    names: Sequence[str] = (),
    tags: Sequence[str] = (),
    difficulty: Sequence[str] = (),
    min_minutes: float | None = None,
    max_minutes: float | None = None,
) -> list[Task]:
    """Filter tasks by name globs, any of the tags, difficulty, and expert-minutes range."""
    out = []
    for t in tasks:
        if names and not any(fnmatch.fnmatchcase(t.name, pat) for pat in names):
            continue
        if tags and not set(tags) & set(t.tags):
            continue
        if difficulty and (t.difficulty or "") not in difficulty:
            continue
        minutes = t.expert_minutes
        if min_minutes is not None and (minutes is None or minutes < min_minutes):
            continue
        if max_minutes is not None and (minutes is None or minutes > max_minutes):
            continue
        out.append(t)
    return out
