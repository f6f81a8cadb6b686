"""Contamination probes for repository tasks: a variant of a task whose code base says the same
things under other names.

A variant renames the project's importable module or package (its directory or file, every import,
dotted reference and path; see :mod:`horizonbench.tasks.rename_module`) to a neutral word picked by
the seed. The repository is rewritten inside the image, after it is built as the original's is;
the hidden tests, their ids, the test command, the oracle's patch and the instruction are rewritten
on the host by the same rules. A model that solves the original from memory (its files, its paths,
its names) meets code it has not seen; one that reads the code does the same work. ``tasks check``
on the variant says whether the rewrite kept the task sound.

What it does not do (yet): rename functions and classes inside the project, reorder definitions,
or paraphrase the instruction beyond the names in it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from horizonbench.errors import TaskError
from horizonbench.tasks.loader import Task, load_task
from horizonbench.tasks.rename_module import rewrite_text, shares_name

WORDS = (
    "quarry", "fennel", "juniper", "halyard", "marrow", "tamarind", "wicket", "bramble", "cobalt", "lantern",
    "sorrel", "gantry", "pumice", "tinder", "osprey", "saffron", "kestrel", "trellis", "vellum", "burdock",
)  # fmt: skip
"""Neutral module names: no stdlib module, no common package, no word the shipped code bases use."""

RENAMER = "hb_rename_module.py"
KEEP_KEYS = ("source_packages", "python_requirements", "source =", "project_version")
"""task.toml lines that name what is downloaded, under the real name."""
REPO_MARKER = "&& git init"


@dataclass(frozen=True)
class Variant:
    source: str
    """The original task's name."""
    path: Path
    old: str
    new: str


def module_name(task: Task) -> str:
    """The importable name of the task's project (metadata ``module``, else ``project`` with - as _).

    Raises:
        TaskError: the task names no project.
    """
    meta = task.config.metadata.model_extra or {}
    name = meta.get("module") or str(meta.get("project") or "").replace("-", "_")
    if not name or not name.isidentifier():
        raise TaskError(f"{task.path}/task.toml: [metadata] project (or module) must name the project's module")
    return str(name)


def new_name(task: Task, seed: int) -> str:
    digest = hashlib.sha256(f"{task.name}:{seed}".encode()).digest()
    return WORDS[digest[0] % len(WORDS)] + f"{digest[1] % 90 + 10}"


def make_variant(task_dir: Path, out_root: Path, seed: int = 1) -> Variant:
    """Write the variant of the task at ``task_dir`` into ``out_root/<name>-v<seed>``.

    Raises:
        TaskError: the task is not a repository task built the way this rewrite expects.
    """
    task = load_task(task_dir)
    old, new = module_name(task), new_name(task, seed)
    dockerfile = task.path / "environment" / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    if REPO_MARKER not in text or "WORKDIR /work/repo" not in text:
        raise TaskError(f"{dockerfile}: no '{REPO_MARKER}' step to rename the repository before")
    dest = out_root / f"{task.name}-v{seed}"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(task.path, dest, symlinks=True)
    repo = "/work/repo"  # where the SWE suite's images build the repository
    seen = [p.read_text(errors="replace") for p in (task.path / "tests").rglob("*.py")]
    seen += [(task.path / "solution" / "patch.diff").read_text(errors="replace")]
    quoted = not shares_name(old, *seen)
    flag = "" if quoted else " --keep-quoted"
    step = f"&& python3 /tmp/{RENAMER} {old} {new} {repo}{flag} && rm /tmp/{RENAMER} {REPO_MARKER}"
    text = text.replace(REPO_MARKER, step, 1)
    text = text.replace("WORKDIR /work/repo", f"COPY {RENAMER} /tmp/{RENAMER}\nWORKDIR /work/repo", 1)
    (dest / "environment" / "Dockerfile").write_text(text, encoding="utf-8")
    shutil.copyfile(Path(__file__).with_name("rename_module.py"), dest / "environment" / RENAMER)
    for rel in ("instruction.md", "solution/patch.diff"):
        _rewrite(dest / rel, old, new, quoted)
    for path in sorted((dest / "tests").rglob("*")):
        if path.is_file():
            _rewrite(path, old, new, quoted)
            if path.name in (f"{old}.py",):
                path.rename(path.with_name(f"{new}.py"))
    toml = "".join(
        line if line.lstrip().startswith(KEEP_KEYS) else rewrite_text(line, old, new, quoted=False)
        for line in (dest / "task.toml").read_text(encoding="utf-8").splitlines(keepends=True)
    )
    toml = _relocated_includes(toml, task.path, dest)
    toml = toml.replace(
        "[metadata]\n",
        f'[metadata]\nvariant_of = "{task.name}"\nvariant_seed = {seed}\nvariant_rename = "{old} -> {new}"\n',
        1,
    )
    (dest / "task.toml").write_text(toml, encoding="utf-8")
    load_task(dest)  # the variant must load like any task
    return Variant(task.name, dest, old, new)


def _rewrite(path: Path, old: str, new: str, quoted: bool) -> None:
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        path.write_text(rewrite_text(text, old, new, quoted), encoding="utf-8", errors="surrogateescape")


def _relocated_includes(toml: str, source: Path, dest: Path) -> str:
    """Files the task includes from outside its directory (``../_shared/x``), copied into the
    variants' own ``_shared`` folder (an include must stay inside its suite), and the paths to match."""
    shared = dest.parent / "_shared"
    out = []
    for line in toml.splitlines(keepends=True):
        if line.lstrip().startswith("include"):
            for part in line.split('"')[1::2]:
                if part.startswith(".."):
                    target = (source / part).resolve()
                    shared.mkdir(exist_ok=True)
                    shutil.copyfile(target, shared / target.name)
                    line = line.replace(f'"{part}"', f'"{os.path.relpath(shared / target.name, dest)}"')
        out.append(line)
    return "".join(out)


def make_variants(paths: list[Path], out_root: Path, seed: int = 1) -> tuple[list[Variant], list[tuple[str, str]]]:
    """Variants of every task under ``paths``: those written, and (task, reason) for those that cannot be."""
    from horizonbench.tasks.loader import load_tasks

    tasks, _ = load_tasks(paths)
    made: list[Variant] = []
    skipped: list[tuple[str, str]] = []
    out_root.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        try:
            made.append(make_variant(task.path, out_root, seed))
        except TaskError as exc:
            skipped.append((task.name, str(exc)))
    return made, skipped
