"""The reaper removes containers whose owning process is gone, and nothing else."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import uuid
from collections.abc import Iterator

import docker
import docker.errors
import pytest
from docker.models.containers import Container

from horizonbench.sandbox import Sandbox, reaper

pytestmark = pytest.mark.docker


def _owner_of(pid: int) -> str:
    """The owner label of a process on this host: ``host:pid:start ticks``."""
    with open(f"/proc/{pid}/stat") as fh:
        start = fh.read().rsplit(")", 1)[1].split()[19]
    return f"{socket.gethostname()}:{pid}:{start}"


def _labelled_container(client: docker.DockerClient, image: str, owner: str) -> Container:
    return client.containers.run(
        image,
        ["sleep", "infinity"],
        detach=True,
        name=f"hb-test-reaper-{uuid.uuid4().hex[:8]}",
        network_mode="none",
        labels={reaper.LABEL: "1", reaper.LABEL_OWNER: owner, reaper.LABEL_RUN: "run-x", reaper.LABEL_TRIAL: "t-1"},
    )


def _exists(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.containers.get(container_id)
    except docker.errors.NotFound:
        return False
    return True


@pytest.fixture
def owner() -> Iterator[subprocess.Popen[bytes]]:
    """A process standing in for a runner that will die."""
    proc = subprocess.Popen(["sleep", "300"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def containers(docker_engine: docker.DockerClient) -> Iterator[list[Container]]:
    made: list[Container] = []
    try:
        yield made
    finally:
        for container in made:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


def _leftover_ids() -> set[str]:
    return {item.id for item in reaper.leftovers()}


def test_prune_removes_containers_of_dead_owners_only(
    docker_engine: docker.DockerClient,
    base_image: str,
    sandbox: Sandbox,
    owner: subprocess.Popen[bytes],
    containers: list[Container],
) -> None:
    orphan = _labelled_container(docker_engine, base_image, _owner_of(owner.pid))
    # Owned by a process on another host, which only that host can judge.
    foreign = _labelled_container(docker_engine, base_image, "some-other-host:1234:5678")
    containers += [orphan, foreign]

    listed = _leftover_ids()
    assert orphan.id not in listed  # its owner still runs
    assert foreign.id not in listed
    assert sandbox.id not in listed

    owner.kill()
    owner.wait()
    # Dead owner, and a pid that never ran a runner (start time 1 tick after boot).
    stale = _labelled_container(docker_engine, base_image, f"{socket.gethostname()}:999999:1")
    containers.append(stale)

    found = {item.id: item for item in reaper.leftovers()}
    assert orphan.id in found and stale.id in found
    assert (found[orphan.id].run, found[orphan.id].trial) == ("run-x", "t-1")
    assert foreign.id not in found and sandbox.id not in found

    removed = {item.id for item in reaper.prune()}
    assert {orphan.id, stale.id} <= removed
    assert sandbox.id not in removed and foreign.id not in removed
    assert not _exists(docker_engine, orphan.id) and not _exists(docker_engine, stale.id)
    assert _exists(docker_engine, foreign.id)

    sandbox.container.reload()
    assert sandbox.container.status == "running"
    assert sandbox.shell("echo still-running").stdout == "still-running\n"
