"""What a trial keeps of the agent's container besides its diff: Harbor's ``artifacts``
(paths copied into the trial's ``artifacts/`` after the agent phase, with a
``manifest.json`` saying what was found) and the ``[[verifier.collect]]`` hooks that run
just before, so runtime state can be written into files an artifact entry picks up."""

from __future__ import annotations

import io
import json
import logging
import posixpath
import shlex
import shutil
import tarfile
from pathlib import Path

from horizonbench.errors import SandboxError, SessionDied
from horizonbench.models.task import ArtifactSpec
from horizonbench.sandbox.sandbox import Sandbox
from horizonbench.tasks.loader import Task

logger = logging.getLogger(__name__)

CONVENTION_DIR = "/logs/artifacts"
"""Harbor's convention: whatever the agent or a hook leaves here is collected too."""
MAX_ARTIFACT_BYTES = 512 << 20
"""Largest archive of one entry copied out; bigger ones are listed in the manifest as too large
(a results directory is not the place for a disk image the agent built)."""
_TAR = "/tmp/.hb-artifact.tar"


def step_artifacts(task: Task) -> list[ArtifactSpec]:
    """The artifacts a step of a multi-step task adds to the task's own."""
    for step in task.config.steps or []:
        if step.name == task.step:
            return list(step.artifacts)
    return []


def run_collect_hooks(task: Task, sb: Sandbox, workdir: str) -> None:
    """Run the ``[[verifier.collect]]`` commands of the agent's container (service ``main``);
    one that fails is logged: what it would have written is then missing from the artifacts,
    which the manifest shows."""
    for hook in task.config.verifier.collect:
        if hook.service != "main":
            continue
        try:
            res = sb.exec(hook.command, cwd=workdir, timeout=hook.timeout_sec)
        except (SandboxError, SessionDied) as exc:
            logger.warning("collect hook %r could not run: %s", hook.command[:80], exc)
            continue
        if res.exit_code != 0 or res.timed_out:
            logger.warning("collect hook %r exited %s: %s", hook.command[:80], res.exit_code, res.output[-300:])


def collect_artifacts(sb: Sandbox, specs: list[ArtifactSpec], dest: Path, workdir: str) -> list[dict[str, object]]:
    """Copy each artifact (and the convention directory, when it holds anything) from the
    sandbox into ``dest``; write ``dest/manifest.json`` and return its entries. A missing or
    oversized path is an entry of the manifest, not an error: the trial's verdict does not
    depend on it."""
    entries = [
        *(_collect(sb, spec, dest, workdir) for spec in specs if spec.service in (None, "main")),
    ]
    convention = _collect(sb, ArtifactSpec(source=CONVENTION_DIR, destination="logs-artifacts"), dest, workdir)
    kept = dest / "logs-artifacts"
    if convention["status"] == "ok" and kept.is_dir() and any(kept.iterdir()):
        entries.append(convention)
    else:
        shutil.rmtree(kept, ignore_errors=True)
    if not entries and dest.is_dir() and not any(dest.iterdir()):
        dest.rmdir()
    if entries:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "manifest.json").write_text(json.dumps(entries, indent=1) + "\n")
    return entries


def _collect(sb: Sandbox, spec: ArtifactSpec, dest: Path, workdir: str) -> dict[str, object]:
    source = spec.source if spec.source.startswith("/") else posixpath.join(workdir, spec.source)
    entry: dict[str, object] = {"source": spec.source, "destination": spec.target}
    src = shlex.quote(source)
    excludes = " ".join(f"--exclude={shlex.quote(p)}" for p in spec.exclude)
    parent, name = shlex.quote(posixpath.dirname(source) or "/"), shlex.quote(posixpath.basename(source))
    script = (
        f"rm -f {_TAR}; "
        f"if [ -d {src} ]; then kind=directory; tar -C {src} {excludes} -cf {_TAR} . ; "
        f"elif [ -e {src} ]; then kind=file; tar -C {parent} -cf {_TAR} {name} ; "
        "else echo missing; exit 0; fi; "
        f'rc=$?; echo "$kind $(stat -c %s {_TAR} 2>/dev/null || echo 0) $rc"'
    )
    try:
        res = sb.exec(script, timeout=300)
        words = res.output.split()
        if not words or words[0] == "missing":
            return {**entry, "status": "missing"}
        kind, size, rc = words[-3], int(words[-2]), int(words[-1])
        entry |= {"type": kind, "archive_bytes": size}
        if rc != 0:
            return {**entry, "status": "failed", "detail": res.output.strip()[-300:]}
        if size > MAX_ARTIFACT_BYTES:
            return {**entry, "status": "too_large"}
        data = sb.read_file(_TAR)
        sb.exec(f"rm -f {_TAR}", timeout=30)
    except (SandboxError, SessionDied, ValueError, IndexError, FileNotFoundError) as exc:
        return {**entry, "status": "failed", "detail": str(exc)[:300]}
    target = dest / spec.target
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        if kind == "directory":
            target.mkdir(parents=True, exist_ok=True)
            tar.extractall(target, filter="data")
        else:
            member = tar.next()
            handle = tar.extractfile(member) if member is not None else None
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(handle.read() if handle is not None else b"")
    return {**entry, "status": "ok"}
