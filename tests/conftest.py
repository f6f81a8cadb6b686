"""Fixtures shared by the test suite: the Docker engine, the base image and sandboxes.

A test marked ``docker`` needs a running engine. Without one it is skipped on a
developer's machine and fails under ``CI=true``, so CI never passes by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import docker
import pytest

from horizonbench.errors import HorizonError
from horizonbench.sandbox import Limits, Sandbox, engine
from horizonbench.sandbox import base_image as base_images
from tests.registry import LocalRegistry

LIMITS = Limits(cpus=1, memory_mb=512, pids=128)
WORKDIR = "/work"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


@pytest.fixture(scope="session")
def docker_engine() -> docker.DockerClient:
    """The engine's client; skips (or fails under CI=true) when no engine answers."""
    try:
        return engine.client()
    except HorizonError as exc:
        message = f"this test needs a Docker engine: {exc}"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _archives_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same-mode grading checks installed files against package archives; in the tests those
    are on 127.0.0.1 (a port nothing answers on, unless a test serves its own)."""
    monkeypatch.setenv("HORIZONBENCH_APT_ARCHIVES", "http://127.0.0.1:9 stable /nonexistent-keyring.gpg")
    monkeypatch.setenv("HORIZONBENCH_PYPI_URL", "http://127.0.0.1:9/simple")


@pytest.fixture(autouse=True)
def _docker_marker(request: pytest.FixtureRequest) -> None:
    """Tests marked ``docker`` get the engine check even when they use no other fixture."""
    if request.node.get_closest_marker("docker") is not None:
        request.getfixturevalue("docker_engine")


@pytest.fixture(scope="session")
def base_image(docker_engine: docker.DockerClient) -> str:
    """The base image's tag, built first if this engine lacks it."""
    return base_images.ensure().tag


def _start(image: str) -> Sandbox:
    return Sandbox.start(image, limits=LIMITS, workdir=WORKDIR)


@pytest.fixture
def sandbox(base_image: str) -> Iterator[Sandbox]:
    """A fresh sandbox for one test (for tests that kill, restart or exhaust things)."""
    sb = _start(base_image)
    try:
        yield sb
    finally:
        sb.close()


@pytest.fixture(scope="module")
def shared_sandbox(base_image: str) -> Iterator[Sandbox]:
    """One sandbox for a whole module, for tests that leave no state others depend on."""
    sb = _start(base_image)
    try:
        yield sb
    finally:
        sb.close()


@pytest.fixture
def registry(docker_engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    """A real registry (Debian's docker-registry) on a free 127.0.0.1 port, stopped after the test.
    Its absence fails the test: ``make pytest`` installs it (scripts/setup-registry.sh)."""
    reg = LocalRegistry(tmp_path_factory.mktemp("registry"))
    try:
        reg.start()
    except RuntimeError as exc:
        pytest.fail(f"this test needs a local registry: {exc}", pytrace=False)
    try:
        yield reg
    finally:
        reg.stop()
        reg.forget(docker_engine)
