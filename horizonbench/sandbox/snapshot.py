"""A sandbox's state handed to a second container that grades it.

Same-mode grading must see what the agent left (its files, its installs, the services it
was asked to leave running) without letting anything the agent left running reach the
tests. The agent's container is committed to an image (a snapshot of its files); the
grading container starts from it and joins the agent container's network and PID
namespaces, so the services answer on the same loopback and show in the same process
table. It holds one capability more than the agent's container (``CAP_SYS_PTRACE``): the
kernel lets a process reach into another's memory, descriptors, environment or root
directory (``ptrace``, ``/proc/<pid>/mem``, ``fd/``, ``environ``, ``root/``) only when it
holds every capability the other holds (or ``CAP_SYS_PTRACE`` itself), so the agent's
processes, root as they are, cannot touch the grader's, while its files are in a mount
namespace of their own.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import docker.errors

from horizonbench.errors import SandboxError
from horizonbench.sandbox import reaper

log = logging.getLogger(__name__)

PAUSE_TRIES = 5

GRADER_CAPS = ["SYS_PTRACE"]
"""What the grading container holds beyond the agent's (see the module docstring)."""


class SandboxSnapshot:
    """The snapshot and freeze methods of :class:`horizonbench.sandbox.sandbox.Sandbox`."""

    id: str
    _api: Any

    def snapshot(self, labels: dict[str, str] | None = None) -> str:
        """Commit the container's files to an image; returns its id. The container is paused
        while it is committed (a consistent copy) and runs on after.

        Raises:
            SandboxError: the engine could not commit it.
        """
        tag = f"hb-snapshot/{uuid.uuid4().hex[:12]}"
        all_labels = {
            reaper.LABEL: "1",
            reaper.LABEL_OWNER: reaper.owner_label(),
            reaper.LABEL_SNAPSHOT: "1",
            **(labels or {}),
        }
        try:
            result = self._api.commit(self.id, repository=tag, tag="latest", pause=True, conf={"Labels": all_labels})
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot snapshot sandbox {self.id[:12]}: {exc.explanation}") from None
        return str(result.get("Id") or f"{tag}:latest")

    def pause(self) -> None:
        """Freeze every process of the container (files can still be read through the
        engine's archive API, not through a shell).

        Raises:
            SandboxError: the engine could not pause it.
        """
        # The cgroup freezer gives up ("unable to freeze") when a process will not stop in
        # time, as on a loaded host or mid-fork; another try usually takes.
        for attempt in range(PAUSE_TRIES):
            try:
                self._api.pause(self.id)
                return
            except docker.errors.APIError as exc:
                if attempt + 1 == PAUSE_TRIES or "freeze" not in str(exc.explanation):
                    raise SandboxError(f"cannot pause sandbox {self.id[:12]}: {exc.explanation}") from None
                log.debug("pause of %s, try %d: %s", self.id[:12], attempt + 1, exc.explanation)
                time.sleep(0.5 * (attempt + 1))

    def unpause(self) -> None:
        try:
            self._api.unpause(self.id)
        except docker.errors.APIError as exc:
            log.debug("unpause of %s: %s", self.id[:12], exc)


def remove_snapshot(image_id: str) -> None:
    """Remove a snapshot image (its container must be gone; a failure is logged, and
    ``sandbox prune`` removes what is left)."""
    from horizonbench.sandbox import engine

    try:
        engine.client().api.remove_image(image_id, force=True, noprune=False)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        log.warning("could not remove snapshot image %s: %s", image_id[:19], exc)
