"""A real container registry on 127.0.0.1 for tests of the prebuilt-image paths: Debian's
``docker-registry`` (distribution 2.8), started by ``scripts/setup-registry.sh`` with its
own config and storage in a temporary directory, on a free port."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import docker
import docker.errors

from tests.helpers import REPO

SCRIPT = REPO / "scripts" / "setup-registry.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalRegistry:
    """One ``docker-registry serve`` on 127.0.0.1; :meth:`push` puts an image in it."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.pushed: list[str] = []

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it (installing docker-registry first where it is missing).

        Raises:
            RuntimeError: the script could not install or start it (its message says why).
        """
        proc = subprocess.run(
            ["bash", str(SCRIPT), "start", str(self.port), str(self.dir)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{SCRIPT.name} start failed: {proc.stderr.strip() or proc.stdout.strip()}")

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop", str(self.dir)], capture_output=True, check=False)

    def push(self, client: docker.DockerClient, image_id: str, repository: str, tag: str) -> str:
        """Push ``image_id`` as ``HOST/repository:tag``, then drop that local tag so that
        using the ref means pulling it. Returns the ref."""
        ref = f"{self.host}/{repository}:{tag}"
        client.api.tag(image_id, f"{self.host}/{repository}", tag)
        stream = client.api.push(f"{self.host}/{repository}", tag, stream=True, decode=True)
        errors = [chunk["error"] for chunk in stream if "error" in chunk]
        if errors:
            raise RuntimeError(f"push of {ref} failed: {errors[-1]}")
        client.api.remove_image(ref, noprune=True)
        self.pushed.append(ref)
        return ref

    def forget(self, client: docker.DockerClient) -> None:
        """Remove the local tags of every ref pushed (a pull re-created them), not the layers."""
        for ref in self.pushed:
            try:
                client.api.remove_image(ref, noprune=True)
            except docker.errors.ImageNotFound:
                pass
