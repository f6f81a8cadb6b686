"""Labels that tie a container to the process that owns it, and the reaper that
removes containers whose owner is gone (a runner killed with SIGKILL leaves its
sandboxes behind; the next run or ``horizonbench sandbox prune`` cleans them up)."""

from __future__ import annotations

import functools
import logging
import os
import socket
from dataclasses import dataclass

import docker.errors

from horizonbench.sandbox import engine

log = logging.getLogger(__name__)

LABEL = "horizonbench"
LABEL_OWNER = "horizonbench.owner"
LABEL_RUN = "horizonbench.run"
LABEL_TRIAL = "horizonbench.trial"
LABEL_SNAPSHOT = "horizonbench.snapshot"
"""On the images same-mode grading commits from an agent's container (removed after grading)."""


def _start_ticks(pid: int) -> str | None:
    """A process's start time in clock ticks since boot: with the pid, it names the
    process uniquely (pids are reused, start times are not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


@functools.cache
def owner_label() -> str:
    """``host:pid:start`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_ticks(os.getpid())}"


def owner_alive(owner: str) -> bool:
    """Whether the process named by an owner label still runs. Containers owned by
    another host are taken as alive: only that host can tell."""
    try:
        host, pid, start = owner.rsplit(":", 2)
    except ValueError:
        return False
    if host != socket.gethostname():
        return True
    return _start_ticks(int(pid)) == start


@dataclass
class Leftover:
    id: str
    name: str
    owner: str
    run: str
    trial: str
    status: str


def leftovers() -> list[Leftover]:
    """horizonbench containers on this engine whose owning process is gone."""
    found = []
    # ignore_removed: a container removed between listing and inspecting is not an error.
    for c in engine.client().containers.list(all=True, filters={"label": LABEL}, ignore_removed=True):
        labels = c.labels
        owner = labels.get(LABEL_OWNER, "")
        if owner_alive(owner):
            continue
        found.append(
            Leftover(c.id or "", c.name or "", owner, labels.get(LABEL_RUN, ""), labels.get(LABEL_TRIAL, ""), c.status)
        )
    return found


def prune() -> list[Leftover]:
    """Remove the containers :func:`leftovers` lists; returns what was removed."""
    removed = []
    for item in leftovers():
        try:
            engine.client().api.remove_container(item.id, force=True, v=True)
        except docker.errors.NotFound:
            continue
        except docker.errors.APIError as exc:
            log.warning("could not remove leftover container %s: %s", item.name, exc)
            continue
        log.info("removed leftover container %s (run %s, trial %s)", item.name, item.run, item.trial)
        removed.append(item)
    _prune_snapshots()
    return removed


def _prune_snapshots() -> None:
    """Remove the snapshot images of processes that are gone (their grading never ended)."""
    # The low-level listing: the high-level one inspects each image in turn, and fails on one
    # that another run's grading removed in between.
    api = engine.client().api
    for image in api.images(filters={"label": LABEL_SNAPSHOT}):
        image_id = str(image.get("Id") or "")
        if not image_id or owner_alive((image.get("Labels") or {}).get(LABEL_OWNER, "")):
            continue
        try:
            api.remove_image(image_id, force=True)
        except docker.errors.NotFound:
            continue  # gone already
        except docker.errors.APIError as exc:
            log.warning("could not remove leftover snapshot image %s: %s", image_id[:19], exc)


def remove_own(run_id: str) -> int:
    """Remove this process's containers of a run (a safety net after Ctrl-C, when a
    container may have been created but never handed back)."""
    n = 0
    filters: dict[str, str | list[str] | bool] = {"label": [f"{LABEL_OWNER}={owner_label()}", f"{LABEL_RUN}={run_id}"]}
    for c in engine.client().containers.list(all=True, filters=filters, ignore_removed=True):
        try:
            c.remove(force=True, v=True)
            n += 1
        except docker.errors.APIError:
            continue
    return n
