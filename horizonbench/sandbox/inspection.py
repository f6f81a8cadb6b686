"""What a sandbox's container changed and wrote, as the harness inspects it after the agent."""

from __future__ import annotations

from typing import Any

import docker.errors

from horizonbench.errors import SandboxError
from horizonbench.sandbox.overlay import overlay_changes


class SandboxInspection:
    """The inspection methods of :class:`horizonbench.sandbox.sandbox.Sandbox`."""

    id: str
    _api: Any
    _driver: dict[str, Any] | None

    def changed_paths(self) -> list[str]:
        """Paths added, changed or deleted in the container since it started from its image."""
        return [path for path, _ in self.changes()]

    def changes(self) -> list[tuple[str, int]]:
        """``(path, kind)`` of every change since the container started from its image;
        kind is CHANGE_MODIFIED, CHANGE_ADDED or CHANGE_DELETED.

        Where the engine is local and stores containers with overlay2, the container's
        writable layer is read straight from the host (milliseconds); elsewhere the engine is
        asked (``docker diff``: most of a second, spent mounting and walking the layers).
        """
        local = overlay_changes(self._graph_driver())
        if local is not None:
            return local
        return self.api_changes()

    def api_changes(self) -> list[tuple[str, int]]:
        """:meth:`changes` as the engine's API reports them."""
        try:
            changes = self._api.diff(self.id) or []
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot list the changes of sandbox {self.id[:12]}: {exc.explanation}") from None
        return [(str(c["Path"]), int(c["Kind"])) for c in changes]

    def _graph_driver(self) -> dict[str, Any]:
        if self._driver is None:
            try:
                self._driver = dict(self._api.inspect_container(self.id).get("GraphDriver") or {})
            except docker.errors.APIError:
                self._driver = {}
        return self._driver

    def disk_usage_mb(self) -> float:
        """MiB the container has written on top of its image."""
        try:
            listed = self._api.containers(all=True, filters={"id": self.id}, size=True)
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot size sandbox {self.id[:12]}: {exc.explanation}") from None
        info = listed[0] if listed else {}
        return float(info.get("SizeRw") or 0) / (1 << 20)
