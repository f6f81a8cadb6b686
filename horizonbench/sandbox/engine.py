"""The Docker engine: one shared client, and a clear error when none answers."""

from __future__ import annotations

import functools

import docker
import docker.errors

from horizonbench.errors import EngineUnavailable

ENGINE_FIX = "start one with 'make setup' (scripts/setup-docker.sh) or 'systemctl start docker'"


@functools.cache
def client() -> docker.DockerClient:
    """The process-wide Docker client.

    Raises:
        EngineUnavailable: no engine answers at DOCKER_HOST or the default socket.
    """
    try:
        c = docker.from_env(timeout=120)
        c.ping()
    except (docker.errors.DockerException, OSError) as exc:
        raise EngineUnavailable(f"no Docker engine answers ({_first_line(exc)}); {ENGINE_FIX}") from None
    return c


def engine_version() -> str:
    """The engine's server version, e.g. ``20.10.24``."""
    return str(client().version().get("Version", "unknown"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
