"""SWE-bench interoperability: instances in, instances out.

``import_instances`` turns SWE-bench instances (``repo``, ``base_commit``, ``patch``,
``test_patch``, ``FAIL_TO_PASS``, ``PASS_TO_PASS``, ``problem_statement``, ...) into task
directories. Repositories come from local clones, so it works air-gapped: the clone is
checked out at ``base_commit`` into the task's build context as a plain archive, and the
image makes a fresh one-commit repository of it, so no later commit is reachable. The
gold ``patch`` becomes the oracle, the files ``test_patch`` touches (as they are after it)
become the hidden tests. Instances that cannot be imported are listed with the reason.

A record that names its evaluation ``image`` (SWE-bench 5) gets that image as the task's
``docker_image``, pulled where a registry serves it, and its ``eval_script`` (written in
swebench's layout from the spec where the record has none, :mod:`.swebench_eval`) grades
on it. Where the offline environment can be built too, the task also ships it, used where
no registry serves the image. ``environment`` chooses: ``prebuilt`` (the image only),
``build`` (offline only, the image kept as metadata), ``auto`` (both where both can be had).

The record's upstream ``base_commit``, ``environment_setup_commit`` and evaluation
``image`` stay in ``[metadata]`` and its problem statement is the instruction, unchanged,
so :mod:`horizonbench.tasks.swebench_export` can hand them back to SWE-bench tooling.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from horizonbench.errors import TaskError
from horizonbench.models.task import DEFAULT_PROTECTED, is_pytest_style
from horizonbench.tasks import swebench_env, swebench_eval
from horizonbench.tasks.swebench_env import Unsupported
from horizonbench.tasks.swebench_sources import read_instances_file
from horizonbench.tasks.swebench_sources import read_jsonl as read_jsonl  # its old home

log = logging.getLogger(__name__)

DEFAULT_REQUIREMENTS = ["pytest==8.3.3"]
REQUIRED = ("instance_id", "repo", "base_commit", "patch", "test_patch", "FAIL_TO_PASS")
WORKDIR = "/work/repo"
ENVIRONMENTS = ("auto", "prebuilt", "build")
EVAL_SCRIPT = "swebench/eval.sh"
BUILD_EVAL_SCRIPT = "swebench/eval-build.sh"
TEST_PATCH = "swebench/test_patch.diff"
# SWE-bench Verified's annotated fix times, as expert minutes (the middle of each bucket).
DIFFICULTY_MINUTES = {"<15 min fix": 10.0, "15 min - 1 hour": 35.0, "1-4 hours": 150.0, ">4 hours": 300.0}


@dataclass
class ImportReport:
    imported: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(instance_id, reason) of each instance that was not imported."""
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(instance_id, note) of each instance imported with one environment of the two ``auto`` asks for."""


def listed_tests(instance: dict[str, Any], key: str) -> list[str]:
    """A FAIL_TO_PASS / PASS_TO_PASS field: SWE-bench stores them as JSON strings."""
    value = instance.get(key) or []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Unsupported(f"{key} is not a JSON list") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Unsupported(f"{key} is not a list of test ids")
    return value


def patch_files(patch: str) -> list[tuple[str, bool]]:
    """(path, deleted) of each file a git diff touches (the new path of renames)."""
    out: list[tuple[str, bool]] = []
    for block in re.split(r"^(?=diff --git )", patch, flags=re.M):
        m = re.match(r'diff --git "?a/(.+?)"? "?b/(.+?)"?$', block.split("\n", 1)[0])
        if m:
            out.append((m.group(2), bool(re.search(r"^deleted file mode", block, re.M))))
    return out


def find_clone(repos_dir: Path | None, repo: str) -> Path:
    if repos_dir is None:
        raise Unsupported(f"no --repos folder given to build {repo} offline")
    owner, _, name = repo.partition("/")
    for candidate in (repos_dir / f"{owner}__{name}", repos_dir / name, repos_dir / repo):
        if (candidate / ".git").exists() or (candidate / "HEAD").is_file():
            return candidate
    raise Unsupported(f"no local clone of {repo} in {repos_dir} (looked for {owner}__{name} and {name})")


def _git(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False)


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)


def _toml_list(values: Sequence[str]) -> str:
    return "[\n" + "".join(f"  {_toml_str(v)},\n" for v in values) + "]" if values else "[]"


def _task_name(instance_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", instance_id).strip("-.") or "instance"


def with_defaults(extra: Sequence[str]) -> list[str]:
    """The default image requirements plus ``extra``; an extra one naming a default's
    project (``pytest==7.4.4``) takes that default's place."""
    named = {_project(r) for r in extra}
    return [r for r in DEFAULT_REQUIREMENTS if _project(r) not in named] + [r.strip() for r in extra if r.strip()]


def _project(requirement: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else requirement.strip().lower()


def import_instances(
    instances: Path | Sequence[dict[str, Any]],
    repos_dir: Path | None,
    out_dir: Path,
    requirements: Sequence[str] = DEFAULT_REQUIREMENTS,
    overwrite: bool = False,
    environment: str = "auto",
) -> ImportReport:
    """Write one task directory per importable instance into ``out_dir``. ``instances`` is
    a file (.jsonl, .json, .parquet, .arrow) or the rows themselves (a dataset's).
    ``environment``: ``auto`` (a record's prebuilt image, with the offline build as its
    fallback where that can be made; the offline build for a record with no image),
    ``prebuilt`` (the record's image only: no clone needed) or ``build`` (offline only).

    Raises:
        TaskError: the instance file cannot be read, ``repos_dir`` is not a directory (or
            missing where ``build`` needs it), or ``environment`` is unknown.
    """
    if environment not in ENVIRONMENTS:
        raise TaskError(f"--environment {environment}: expected one of {', '.join(ENVIRONMENTS)}")
    if isinstance(instances, Path):
        instances = read_instances_file(instances)
    if repos_dir is None and environment == "build":
        raise TaskError("--environment build needs --repos (a folder of local clones, e.g. owner__name)")
    if repos_dir is not None and not repos_dir.is_dir():
        raise TaskError(f"--repos {repos_dir}: no such directory (it should hold local clones, e.g. owner__name)")
    out_dir.mkdir(parents=True, exist_ok=True)
    report = ImportReport()
    for n, inst in enumerate(instances, 1):
        iid = str(inst.get("instance_id") or f"line {n}")
        dest = out_dir / _task_name(iid)
        if dest.exists() and not overwrite:
            report.skipped.append((iid, f"{dest} exists (use --overwrite to replace it)"))
            continue
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=out_dir))
        try:
            note = _import_one(inst, repos_dir, staging, list(requirements), out_dir, environment)
        except Unsupported as exc:
            shutil.rmtree(staging, ignore_errors=True)
            report.skipped.append((iid, str(exc)))
            continue
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
        report.imported.append(dest)
        if note:
            report.notes.append((iid, note))
        log.info("imported %s into %s", iid, dest)
    return report


def _import_one(
    inst: dict[str, Any],
    repos_dir: Path | None,
    task_dir: Path,
    requirements: list[str],
    suite_dir: Path,
    environment: str,
) -> str:
    """Write one task; returns a note where it got one environment of the two ``auto`` asks
    for (else "").

    Raises:
        Unsupported: the instance cannot be imported as ``environment`` asks.
    """
    missing = [k for k in REQUIRED if not inst.get(k)]
    if missing:
        raise Unsupported(f"missing field(s) {', '.join(missing)}")
    f2p, p2p = listed_tests(inst, "FAIL_TO_PASS"), listed_tests(inst, "PASS_TO_PASS")
    if not f2p:
        raise Unsupported("FAIL_TO_PASS is empty")
    image = str(inst.get("image") or "").strip()
    if environment == "prebuilt" and not image:
        raise Unsupported("the record names no image (--environment prebuilt); import it with --environment build")
    prebuilt, note = None, ""
    if image and environment != "build":
        try:
            prebuilt, parser = _prebuilt(inst, image)
        except Unsupported as exc:
            if environment == "prebuilt":
                raise
            note = f"built offline only, its image {image} is not used: {exc}"
    if prebuilt is None:
        parser = swebench_eval.record_parser(inst)
        built = _write_offline(inst, repos_dir, task_dir, requirements, suite_dir, WORKDIR, parser)
        _write_common(inst, task_dir)
        (task_dir / "task.toml").write_text(_task_toml(inst, parser, f2p, p2p, built, None))
        return note
    offline: Offline | None = None
    if environment == "auto":
        try:
            # The same working directory as the image's, so the agent sees one layout either way.
            offline = _write_offline(inst, repos_dir, task_dir, requirements, suite_dir, swebench_eval.TESTBED, parser)
        except Unsupported as exc:
            for part in ("environment", "tests"):
                shutil.rmtree(task_dir / part, ignore_errors=True)
            (task_dir / BUILD_EVAL_SCRIPT).unlink(missing_ok=True)
            note = f"prebuilt image only, no offline build: {exc}"
    _write_common(inst, task_dir)
    (task_dir / EVAL_SCRIPT).parent.mkdir(parents=True, exist_ok=True)
    (task_dir / EVAL_SCRIPT).write_text(prebuilt.eval_script)
    (task_dir / TEST_PATCH).write_text(str(inst["test_patch"]))
    (task_dir / "task.toml").write_text(_task_toml(inst, parser, f2p, p2p, offline, prebuilt))
    return note


def _prebuilt(inst: dict[str, Any], image: str) -> tuple[Prebuilt, str]:
    """The record's evaluation image, graded with its eval script as swebench grades it,
    and the log parser of that script's output.

    Raises:
        Unsupported: no eval script can be had, or its parser or eval type is not swebench's.
    """
    swebench_eval.record_eval_type(inst)  # raises for one that is not swebench's
    merged, _ = swebench_env.merged_spec(inst)
    prebuilt = Prebuilt(
        image=image,
        eval_script=swebench_eval.record_eval_script(inst, merged),
    )
    return prebuilt, swebench_eval.record_parser(inst)


@dataclass
class Offline:
    """What an offline build of an instance gives its task.toml."""

    workdir: str
    test_files: list[str]
    layer: str
    spec: swebench_env.EnvSpec
    own_env: str = ""
    """``[environment]`` lines for what the base commit needs beyond the layer."""
    eval_script: str = ""
    """The eval script that grades the build, where the tests run under the repository's own
    runner (not pytest); "" for the pytest command."""


@dataclass
class Prebuilt:
    """What a record's evaluation image gives its task.toml."""

    image: str
    eval_script: str


def _require_pytest_ids(tests: list[str]) -> None:
    """Offline builds run pytest on the listed tests.

    Raises:
        Unsupported: one of them is not a pytest node id.
    """
    not_pytest = [t for t in tests if "::" not in t and not t.endswith(".py")]
    if not_pytest:
        raise Unsupported(f"test id {not_pytest[0]!r} is not a pytest node id (unknown test framework)")


def _write_common(inst: dict[str, Any], task_dir: Path) -> None:
    """The oracle (the gold patch) and the instruction (the problem statement, unchanged)."""
    (task_dir / "solution").mkdir(exist_ok=True)
    (task_dir / "solution" / "patch.diff").write_text(str(inst["patch"]))
    # The record's problem statement as it is (the agent's prompt names the working
    # directory), so an export hands SWE-bench tooling the text it imported.
    statement = str(inst.get("problem_statement") or "") or f"Fix the failing behaviour in {inst['repo']}.\n"
    (task_dir / "instruction.md").write_text(statement)


def _write_offline(
    inst: dict[str, Any],
    repos_dir: Path | None,
    task_dir: Path,
    requirements: list[str],
    suite_dir: Path,
    workdir: str,
    parser: str,
) -> Offline:
    """The offline environment (``environment/``, the shared layer) of an instance, from its
    local clone, and how it is graded: tests read by a pytest-style parser become hidden tests
    (``tests/``) run by a pytest command; those of a repository with its own runner (Django's,
    SymPy's) are run by an eval script in swebench's layout, from the spec's test command,
    with the repository at /testbed.

    Raises:
        Unsupported: it cannot be built here (no clone, a Python with no base image, no test
            command known for its runner, ...).
    """
    repo, base = str(inst["repo"]), str(inst["base_commit"])
    f2p, p2p = listed_tests(inst, "FAIL_TO_PASS"), listed_tests(inst, "PASS_TO_PASS")
    by_pytest = is_pytest_style(parser)
    if by_pytest:
        _require_pytest_ids(f2p + p2p)
    else:
        workdir = swebench_eval.TESTBED
        # pytest is not what runs the tests: only what the user asked for beyond the default.
        requirements = [r for r in requirements if r not in DEFAULT_REQUIREMENTS]
    spec = swebench_env.resolve(inst, requirements)
    if not by_pytest and not spec.test_cmd:
        raise Unsupported(f"its tests are read by {parser} and no test command is known for {repo} {spec.version}")
    clone = find_clone(repos_dir, repo)
    if _git(clone, "cat-file", "-e", f"{base}^{{commit}}").returncode != 0:
        raise Unsupported(f"commit {base[:12]} is not in the clone {clone}")
    setup = str(inst.get("environment_setup_commit") or base)
    if _git(clone, "cat-file", "-e", f"{setup}^{{commit}}").returncode != 0:
        raise Unsupported(f"environment_setup_commit {setup[:12]} is not in the clone {clone}")
    env_requirements = swebench_env.layer_requirements(spec, clone, setup)
    own = swebench_env.instance_requirements(spec, clone, base, env_requirements)
    test_patch = str(inst["test_patch"])
    touched = patch_files(test_patch)
    if not touched:
        raise Unsupported("test_patch touches no file")
    if by_pytest and any(deleted for _, deleted in touched):
        raise Unsupported("test_patch deletes files (hidden tests can only add or replace files)")

    env = task_dir / "environment"
    env.mkdir(parents=True)
    archive = _git(clone, "archive", "--format=tar", "-o", str((env / "repo.tar").resolve()), base)
    if archive.returncode != 0:
        raise Unsupported(f"git archive of {base[:12]} failed: {archive.stderr.strip()[:200]}")
    test_files: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hb-swe-") as tmp:
        tree = Path(tmp)
        shutil.unpack_archive(env / "repo.tar", tree, "tar")
        for what in ("test_patch", "patch"):
            check = _git(tree, "apply", "--check", "-", stdin=str(inst[what]))
            if check.returncode != 0:
                raise Unsupported(f"{what} does not apply at {base[:12]}: {check.stderr.strip()[:200]}")
        has_src = (tree / "src").is_dir()
        if by_pytest:
            test_files = _hidden_tests(tree, task_dir, test_patch, touched, f2p + p2p, base)
    pythonpath = f"{workdir}/src:{workdir}" if has_src else workdir
    message = _shell_word(f"{repo} at {base[:12]}")
    (env / "Dockerfile").write_text(swebench_env.instance_dockerfile(spec, workdir, message, pythonpath, own))
    layer = swebench_env.write_layer(suite_dir, spec, setup, env_requirements)
    layer_rel = f"../{layer.relative_to(suite_dir).as_posix()}"
    script = ""
    if not by_pytest:
        script = swebench_eval.eval_script(
            workdir=workdir,
            base_ref="HEAD",  # the image's repository is one commit: the tree at base_commit
            test_patch=test_patch,
            test_command=" ".join([spec.test_cmd, *swebench_eval.test_directives(repo, test_patch)]),
            eval_commands=spec.eval_commands,
            install=swebench_env.offline_install(spec.install, swebench_env.wheelhouses(own)) if spec.install else "",
        )
        (task_dir / BUILD_EVAL_SCRIPT).parent.mkdir(parents=True, exist_ok=True)
        (task_dir / BUILD_EVAL_SCRIPT).write_text(script)
        (task_dir / TEST_PATCH).write_text(test_patch)
    return Offline(workdir, test_files, layer_rel, spec, swebench_env.instance_environment(own, spec.python), script)


def _hidden_tests(
    tree: Path, task_dir: Path, test_patch: str, touched: list[tuple[str, bool]], listed: list[str], base: str
) -> list[str]:
    """Copy the files ``test_patch`` touches, as they are after it, into ``tests/``; returns
    the Python test files pytest runs (those and the files holding the ``listed`` tests).

    Raises:
        Unsupported: the test patch does not apply, or touches no Python test file.
    """
    applied = _git(tree, "apply", "-", stdin=test_patch)
    if applied.returncode != 0:
        raise Unsupported(f"test_patch does not apply at {base[:12]}: {applied.stderr.strip()[:200]}")
    for rel, _ in touched:
        target = task_dir / "tests" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tree / rel, target)
    files = {t.split("::")[0] for t in listed}
    test_files = sorted({rel for rel, _ in touched if rel.endswith(".py")} | {f for f in files if (tree / f).is_file()})
    if not test_files:
        raise Unsupported("test_patch touches no Python test file")
    return test_files


def _created(inst: dict[str, Any]) -> str:
    """``created = YYYY-MM-DD`` from the record's ``created_at`` (the upstream pull request's), or ""."""
    day = str(inst.get("created_at") or "")[:10]
    return f"created = {day}\n" if len(day) == 10 and day[4] == "-" and day[7] == "-" else ""


def _record_image(inst: dict[str, Any]) -> str:
    """``swebench_image = ...`` where the record names its evaluation image (SWE-bench 5.x), or ""."""
    image = str(inst.get("image") or "").strip()
    return f"swebench_image = {_toml_str(image)}\n" if image else ""


def _shell_word(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _task_toml(
    inst: dict[str, Any],
    parser: str,
    f2p: list[str],
    p2p: list[str],
    offline: Offline | None,
    prebuilt: Prebuilt | None,
) -> str:
    repo = str(inst["repo"])
    minutes = DIFFICULTY_MINUTES.get(str(inst.get("difficulty") or ""))
    horizon = f"\n[horizon]\nexpert_minutes = {minutes:g}\n" if minutes else ""
    meta, environment, verifier = "", "", ""
    if offline is not None:
        meta += f"swebench_python = {_toml_str(offline.spec.python)}\n"
        meta += f"swebench_env_spec = {_toml_str(offline.spec.source)}\n"
        environment += f"layer = {_toml_str(offline.layer)}\n{offline.own_env}"
        if offline.eval_script:
            verifier += f"build_eval_script = {_toml_str(BUILD_EVAL_SCRIPT)}\n"
        else:
            command = "python3 -m pytest -rA -p no:cacheprovider " + " ".join(offline.test_files)
            verifier += f"tests_dir = {_toml_str(offline.workdir)}\ncommand = {_toml_str(command)}\n"
    if prebuilt is not None:
        how = "prebuilt" if offline is None else "prebuilt+build"
        meta += f"swebench_environment = {_toml_str(how)}\n"
        # The working directory is the image's (swebench's end in WORKDIR /testbed); a build
        # of environment/ keeps the repository there too.
        environment = f"docker_image = {_toml_str(prebuilt.image)}\n{environment}"
        # run_evaluation's default --timeout.
        verifier = f"eval_script = {_toml_str(EVAL_SCRIPT)}\n{verifier}"
    else:
        meta += 'swebench_environment = "build"\n'
    if prebuilt is not None or (offline is not None and offline.eval_script):
        # run_evaluation's default --timeout.
        verifier = f"timeout_sec = 1800\n{verifier}eval_type = {_toml_str(swebench_eval.record_eval_type(inst))}\n"
    runners = swebench_eval.runner_files(repo, str(inst["patch"]))
    if runners:
        # The repository's own test runner is part of the grading, as the test files are.
        verifier += f"protected = {_toml_list([*DEFAULT_PROTECTED, *runners])}\n"
    return f"""schema_version = "1.1"
source = {_toml_str("swebench:" + str(inst["instance_id"]))}

[metadata]
category = "debugging"
tags = ["swebench", {_toml_str(repo.split("/")[-1])}]
family = {_toml_str(repo)}
swebench_instance_id = {_toml_str(str(inst["instance_id"]))}
swebench_repo = {_toml_str(repo)}
swebench_version = {_toml_str(str(inst.get("version") or ""))}
swebench_base_commit = {_toml_str(str(inst["base_commit"]))}
swebench_environment_setup_commit = {_toml_str(str(inst.get("environment_setup_commit") or inst["base_commit"]))}
{meta}{_record_image(inst)}{_created(inst)}{horizon}
[environment]
{environment}
[verifier]
grader = "swebench"
mode = "fresh"
{verifier}log_parser = {_toml_str(parser)}
fail_to_pass = {_toml_list(f2p)}
pass_to_pass = {_toml_list(p2p)}
"""
