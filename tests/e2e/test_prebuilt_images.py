"""Terminal-Bench-style tasks with a prebuilt ``docker_image``: pulled from a real registry
(Debian's docker-registry on 127.0.0.1) where it serves the image, built from
``environment/`` where none does or with ``--force-build``, replaced by an ``--image-map``
stand-in; a registry that is down is an error, not the agent's failure, when there is
nothing to build. Each result records how its image came to be."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from horizonbench.models import TrialResult
from horizonbench.results.store import RunDir
from horizonbench.sandbox import images
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO, hb
from tests.registry import LocalRegistry, free_port

pytestmark = pytest.mark.docker

SUITE = REPO / "tests" / "fixtures" / "harbor_suite"
FIXTURE_HOST = "127.0.0.1:5000"


@pytest.fixture
def own_images(docker_engine: docker.DockerClient) -> Iterator[list[str]]:
    """Tags this test makes (its builds and stand-ins); removed afterwards, layers kept."""
    tags: list[str] = []
    yield tags
    for tag in tags:
        try:
            docker_engine.api.remove_image(tag, noprune=True)
        except docker.errors.APIError:
            pass


def copy_task(name: str, dest: Path, host: str, unique: bool = True) -> Path:
    """The fixture task, its docker_image pointed at ``host``; ``unique`` gives its
    environment a content hash of its own, so this test's build is nobody else's image."""
    task = dest / name
    shutil.copytree(SUITE / name, task)
    toml = task / "task.toml"
    toml.write_text(toml.read_text().replace(FIXTURE_HOST, host))
    if unique:
        (task / "environment" / ".copy").write_text(uuid.uuid4().hex)
    return task


def run(task: Path, results: Path, *args: str, agents: tuple[str, ...] = ("oracle", "nop")) -> dict[str, TrialResult]:
    run_id = f"prebuilt-{uuid.uuid4().hex[:8]}"
    agent_args = [a for agent in agents for a in ("--agent", agent)]
    res = hb("run", task, *agent_args, "--results", results, "--run-id", run_id, "--no-progress", *args)
    assert res.returncode == 0, res.stdout + res.stderr
    return {r.agent: r for r in RunDir(results, run_id).results()}


def build_env(client: docker.DockerClient, task: Path, tag: str, own: list[str]) -> str:
    image, _ = client.images.build(path=str(task / "environment"), tag=tag, network_mode="host", rm=True)
    own.append(tag)
    return str(image.id)


def test_a_served_image_is_pulled_and_its_digest_recorded(
    tmp_path: Path, registry: LocalRegistry, docker_engine: docker.DockerClient, own_images: list[str]
) -> None:
    task = copy_task("prebuilt-registry", tmp_path / "suite", registry.host)
    image_id = build_env(docker_engine, task, f"hb-test/prebuilt-registry:{uuid.uuid4().hex[:8]}", own_images)
    ref = registry.push(docker_engine, image_id, "horizonbench-fixtures/prebuilt-registry", "1")

    by_agent = run(task, tmp_path / "results")
    oracle, nop = by_agent["oracle"], by_agent["nop"]
    assert oracle.status == "passed", oracle.error or oracle.verdict
    assert nop.status == "failed" and nop.reward == 0.0, nop.error
    for r in (oracle, nop):
        origin = r.image_origin
        assert origin is not None and origin.source == "pulled", origin
        assert origin.ref == ref == r.image and origin.requested == ref
        assert origin.digest is not None and origin.digest.startswith(f"{registry.host}/")
        assert "@sha256:" in origin.digest and origin.id == r.image_id

    # The next run finds it on the engine: used as is, not pulled again.
    again = run(task, tmp_path / "results", agents=("oracle",))["oracle"]
    assert again.status == "passed"
    assert again.image_origin is not None and again.image_origin.source == "local"
    assert oracle.image_origin is not None and again.image_origin.digest == oracle.image_origin.digest


def test_force_build_builds_even_where_the_registry_serves_it(
    tmp_path: Path, registry: LocalRegistry, docker_engine: docker.DockerClient, own_images: list[str]
) -> None:
    task = copy_task("prebuilt-registry", tmp_path / "suite", registry.host)
    image_id = build_env(docker_engine, task, f"hb-test/prebuilt-registry:{uuid.uuid4().hex[:8]}", own_images)
    ref = registry.push(docker_engine, image_id, "horizonbench-fixtures/prebuilt-registry", "1")

    oracle = run(task, tmp_path / "results", "--force-build", agents=("oracle",))["oracle"]
    own_images.append(oracle.image)
    assert oracle.status == "passed", oracle.error or oracle.verdict
    origin = oracle.image_origin
    assert origin is not None and origin.source == "built", origin
    assert origin.ref.startswith("hb-task/prebuilt-registry:") and origin.requested == ref
    assert origin.digest is None and origin.pull_error is None  # no pull was tried
    assert docker_engine.images.list(name=ref.rsplit(":", 1)[0]) == []  # and none happened


@pytest.mark.parametrize("registry_state", ["lacks-it", "down"])
def test_an_image_no_registry_serves_is_built_from_environment(
    tmp_path: Path, registry: LocalRegistry, own_images: list[str], registry_state: str
) -> None:
    host = registry.host if registry_state == "lacks-it" else f"127.0.0.1:{free_port()}"
    task = copy_task("prebuilt-absent", tmp_path / "suite", host)

    by_agent = run(task, tmp_path / "results")
    oracle, nop = by_agent["oracle"], by_agent["nop"]
    own_images.append(oracle.image)
    assert oracle.status == "passed", oracle.error or oracle.verdict
    assert nop.status == "failed" and nop.reward == 0.0, nop.error
    for r in (oracle, nop):
        origin = r.image_origin
        assert origin is not None and origin.source == "built", origin
        assert origin.ref.startswith("hb-task/prebuilt-absent:")
        assert origin.requested == f"{host}/horizonbench-fixtures/prebuilt-absent:1"
        expected = "manifest unknown" if registry_state == "lacks-it" else "connection refused"
        assert origin.pull_error is not None and expected in origin.pull_error


def test_a_stand_in_is_used_for_the_docker_image_and_recorded(
    tmp_path: Path, docker_engine: docker.DockerClient, own_images: list[str]
) -> None:
    task = copy_task("prebuilt-absent", tmp_path / "suite", f"127.0.0.1:{free_port()}")
    shutil.rmtree(task / "environment")  # nothing to build: only the stand-in can serve
    source = SUITE / "prebuilt-absent"
    stand_in = f"hb-test/stand-in:{uuid.uuid4().hex[:8]}"
    build_env(docker_engine, source, stand_in, own_images)
    requested = (task / "task.toml").read_text().split('docker_image = "')[1].split('"')[0]

    by_agent = run(task, tmp_path / "results", "--image-map", f"{requested}={stand_in}")
    oracle, nop = by_agent["oracle"], by_agent["nop"]
    assert oracle.status == "passed", oracle.error or oracle.verdict
    assert nop.status == "failed"
    for r in (oracle, nop):
        origin = r.image_origin
        assert origin is not None and origin.source == "stand-in", origin
        assert origin.ref == stand_in == r.image and origin.requested == requested


def test_from_lines_are_mapped_to_a_local_image_from_a_map_file(
    tmp_path: Path, base_image: str, own_images: list[str]
) -> None:
    task = copy_task("prebuilt-absent", tmp_path / "suite", f"127.0.0.1:{free_port()}")
    dockerfile = task / "environment" / "Dockerfile"
    # As Terminal-Bench 2.0's Dockerfiles say it; no registry serves it here.
    dockerfile.write_text(dockerfile.read_text().replace(f"FROM {base_image}", "FROM python:3.13-slim-bookworm"))
    map_file = tmp_path / "stand-ins.toml"
    map_file.write_text(f'# offline lab\n"python:3.13-slim-bookworm" = "{base_image}"\n')

    oracle = run(task, tmp_path / "results", "--image-map-file", str(map_file), agents=("oracle",))["oracle"]
    own_images.append(oracle.image)
    assert oracle.status == "passed", oracle.error or oracle.verdict
    origin = oracle.image_origin
    assert origin is not None and origin.source == "built", origin
    assert origin.stand_ins == {"python:3.13-slim-bookworm": base_image}


def test_a_registry_that_is_down_is_an_error_when_nothing_can_be_built(
    tmp_path: Path, registry: LocalRegistry, docker_engine: docker.DockerClient, own_images: list[str]
) -> None:
    task = copy_task("prebuilt-registry", tmp_path / "suite", registry.host)
    shutil.rmtree(task / "environment")
    registry.stop()

    oracle = run(task, tmp_path / "results", agents=("oracle",))["oracle"]
    assert oracle.status == "error" and oracle.verdict is None  # not the agent's failure
    assert oracle.error_kind == "image"
    assert oracle.error is not None and "connection refused" in oracle.error and registry.host in oracle.error
    assert oracle.image_origin is None


def test_a_bad_image_map_file_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    task = copy_task("prebuilt-absent", tmp_path / "suite", FIXTURE_HOST, unique=False)
    bad = tmp_path / "map.toml"
    bad.write_text('"python:3.13" = "horizonbench/base:bookworm"\n"ubuntu:24.04" = 3\n')
    res = hb("run", task, "--image-map-file", bad, "--results", tmp_path / "results", "--no-progress")
    assert res.returncode != 0
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{bad}: line 2" in lines[0], res.stderr


def test_tasks_check_pulls_or_with_force_build_builds(
    tmp_path: Path, registry: LocalRegistry, docker_engine: docker.DockerClient, own_images: list[str]
) -> None:
    task = copy_task("prebuilt-registry", tmp_path / "suite", registry.host)
    image_id = build_env(docker_engine, task, f"hb-test/prebuilt-registry:{uuid.uuid4().hex[:8]}", own_images)
    ref = registry.push(docker_engine, image_id, "horizonbench-fixtures/prebuilt-registry", "1")

    pulled = hb("tasks", "check", task)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert f"{ref} (pulled)" in pulled.stdout and "1/1 task(s) sound" in pulled.stdout

    tag = images.build_tag(load_task(task))
    own_images.append(tag)
    built = hb("tasks", "check", task, "--force-build")
    assert built.returncode == 0, built.stdout + built.stderr
    assert f"{tag} (built)" in built.stdout
