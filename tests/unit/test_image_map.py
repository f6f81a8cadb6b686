"""Stand-in images: FROM lines rewritten through the image map, image-map files and
--image-map pairs, and the provenance field of results."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from horizonbench.errors import ConfigError
from horizonbench.models import ImagePolicy, TrialResult
from horizonbench.models.image import normalize_ref
from horizonbench.sandbox.image_map import load_file, parse_pairs, policy, rewrite_from
from horizonbench.sandbox.images import build_tag, image_tag
from horizonbench.sandbox.pull import _ABSENT
from horizonbench.tasks.loader import load_task
from tests.helpers import REPO

BASE = "horizonbench/base:bookworm"
MAP = ImagePolicy(image_map={"python:3.13-slim-bookworm": BASE, "golang:1.22": "lab.local:5000/golang:1.22"})


def test_a_mapped_from_is_replaced_and_recorded() -> None:
    out = rewrite_from("FROM python:3.13-slim-bookworm\nWORKDIR /app\nRUN echo python:3.13-slim-bookworm\n", MAP)
    assert out.text == f"FROM {BASE}\nWORKDIR /app\nRUN echo python:3.13-slim-bookworm\n"
    assert out.applied == {"python:3.13-slim-bookworm": BASE}
    assert out.bases == [BASE] and out.notes == []


def test_docker_hub_spellings_of_one_image_match() -> None:
    out = rewrite_from("from docker.io/library/python:3.13-slim-bookworm\n", MAP)
    assert out.text == f"from {BASE}\n"
    assert normalize_ref("python") == normalize_ref("docker.io/library/python:latest") == "python:latest"
    assert normalize_ref("127.0.0.1:5000/x") == "127.0.0.1:5000/x:latest"
    assert normalize_ref("ghcr.io/o/x@sha256:ab") == "ghcr.io/o/x@sha256:ab"


def test_multi_stage_builds_map_images_but_not_their_own_stages() -> None:
    dockerfile = (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "RUN go build -o /out/app .\n"
        "FROM build AS test\n"
        "FROM python:3.13-slim-bookworm\n"
        "COPY --from=build /out/app /usr/local/bin/app\n"
        "FROM scratch AS empty\n"
    )
    out = rewrite_from(dockerfile, MAP)
    assert out.text.splitlines() == [
        "FROM --platform=$BUILDPLATFORM lab.local:5000/golang:1.22 AS build",
        "RUN go build -o /out/app .",
        "FROM build AS test",
        f"FROM {BASE}",
        "COPY --from=build /out/app /usr/local/bin/app",
        "FROM scratch AS empty",
    ]
    assert out.applied == {"golang:1.22": "lab.local:5000/golang:1.22", "python:3.13-slim-bookworm": BASE}
    assert out.bases == ["lab.local:5000/golang:1.22", BASE]  # stages and scratch are not images to find


def test_an_image_copied_from_is_mapped_like_a_from() -> None:
    uv = ImagePolicy(image_map={"ghcr.io/astral-sh/uv:0.8.14": "lab.local/uv:0.8.14", "ubuntu:24.04": BASE})
    dockerfile = (
        "FROM ubuntu:24.04 as build\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.8.14 /uv /uvx /bin/\n"
        "COPY --chown=1000 --from=build /app /app\n"
        "COPY --from=0 /etc/hosts /tmp/\n"
    )
    out = rewrite_from(dockerfile, uv)
    assert out.text.splitlines() == [
        f"FROM {BASE} as build",
        "COPY --from=lab.local/uv:0.8.14 /uv /uvx /bin/",
        "COPY --chown=1000 --from=build /app /app",
        "COPY --from=0 /etc/hosts /tmp/",
    ]
    assert out.applied == {"ubuntu:24.04": BASE, "ghcr.io/astral-sh/uv:0.8.14": "lab.local/uv:0.8.14"}
    assert out.bases == [BASE, "lab.local/uv:0.8.14"]


def test_a_stage_named_like_a_mapped_image_stays_a_stage() -> None:
    out = rewrite_from("FROM debian:12 AS golang:1.22\nFROM golang:1.22\n", MAP)
    assert out.text == "FROM debian:12 AS golang:1.22\nFROM golang:1.22\n" and out.applied == {}


def test_an_arg_based_from_is_left_alone_with_a_note() -> None:
    dockerfile = "ARG BASE=python:3.13-slim-bookworm\nFROM ${BASE}\nFROM $BASE AS again\n"
    out = rewrite_from(dockerfile, MAP)
    assert out.text == dockerfile and out.applied == {} and out.bases == []
    assert len(out.notes) == 2
    assert out.notes[0].startswith("Dockerfile line 2: FROM ${BASE} names its image through an ARG")
    assert "leaves it alone" in out.notes[0] and out.notes[1].startswith("Dockerfile line 3:")


def test_an_unmapped_dockerfile_is_unchanged_byte_for_byte() -> None:
    text = "# syntax=docker/dockerfile:1\r\nFROM debian:12\r\nRUN true"
    out = rewrite_from(text, MAP)
    assert out.text == text and out.bases == ["debian:12"]


def test_image_map_file_pairs_load(tmp_path: Path) -> None:
    f = tmp_path / "map.toml"
    f.write_text(f'# lab mirror\n"python:3.13-slim-bookworm" = "{BASE}"\n\'ghcr.io/o/t:1\' = "lab:5000/t:1"\n')
    assert load_file(f) == {"python:3.13-slim-bookworm": BASE, "ghcr.io/o/t:1": "lab:5000/t:1"}


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (f'"a:1" = "{BASE}"\npython:3.13 = "{BASE}"\n', 2, "not TOML"),
        (f'"a:1" = "{BASE}"\n\n"b:2" = 3\n', 3, "maps to int"),
        (f'"a:1" = "{BASE}"\n[images]\n"b:2" = "{BASE}"\n', 2, "maps to a table"),
        (f'"a:1" = "{BASE}"\n"b:2" = "not an image"\n', 2, "is not an image reference"),
        ('"a:1" = "x"\n"a:1" = "y"\n', 2, "not TOML"),
    ],
)
def test_a_bad_image_map_file_names_the_file_and_line(tmp_path: Path, text: str, line: int, says: str) -> None:
    f = tmp_path / "stand-ins.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_file(f)
    message = str(info.value)
    assert message.startswith(f"{f}: line {line}: ") and says in message
    assert "\n" not in message


def test_a_missing_image_map_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read the image-map file"):
        load_file(tmp_path / "nope.toml")


def test_pairs_parse_and_win_over_files(tmp_path: Path) -> None:
    f = tmp_path / "map.toml"
    f.write_text('"a:1" = "b:1"\n"c:1" = "d:1"\n')
    got = policy(True, ["a:1=e:1"], [f])
    assert got.force_build and got.image_map == {"a:1": "e:1", "c:1": "d:1"}
    assert got.stand_in("docker.io/library/c:1") == "d:1" and got.stand_in("z:1") is None
    for bad in ("python:3.13", "=x:1", "x:1=", "x:1=two words"):
        with pytest.raises(ConfigError, match="--image-map"):
            parse_pairs([bad])


def test_pull_errors_that_mean_not_served_are_told_from_registry_failures() -> None:
    # The engine's own words (Docker 20.10 / 24): no such image, no registry answering.
    for absent in (
        "manifest for 127.0.0.1:5099/nope/x:1 not found: manifest unknown: manifest unknown",
        'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
        'Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io on 10.0.0.53:53: no such host',
        "pull access denied for nope, repository does not exist or may require 'docker login'",
    ):
        assert _ABSENT.search(absent), absent
    for failed in (
        "toomanyrequests: You have reached your pull rate limit.",
        "unauthorized: authentication required",
        "received unexpected HTTP status: 503 Service Unavailable",
        "write /var/lib/docker/tmp/x: no space left on device",
    ):
        assert not _ABSENT.search(failed), failed


def test_results_without_image_origin_still_load() -> None:
    old = {
        "schema_version": "1",
        "run_id": "r",
        "trial_id": "t__oracle__0",
        "task": "t",
        "agent": "oracle",
        "attempt": 0,
        "status": "passed",
        "image": "hb-task/t:0123",
        "image_id": "sha256:ab",
    }
    r = TrialResult.model_validate(old)
    assert r.image_origin is None and r.image == "hb-task/t:0123"
    new = TrialResult.model_validate(
        {**old, "image_origin": {"ref": "x:1", "source": "pulled", "id": "sha256:ab", "digest": "x@sha256:cd"}}
    )
    assert TrialResult.model_validate_json(new.model_dump_json()) == new


@pytest.mark.docker
def test_a_stand_in_base_gives_the_build_its_own_tag_and_docker_image_its_stand_in(base_image: str) -> None:
    task = load_task(REPO / "tests" / "fixtures" / "harbor_suite" / "prebuilt-absent")
    requested = task.config.environment.docker_image
    assert requested is not None and image_tag(task) == requested
    mapped = ImagePolicy(image_map={base_image: "lab.local:5000/debian:bookworm", requested: "lab/x:1"})
    assert build_tag(task) != build_tag(task, mapped)
    assert build_tag(task) == build_tag(task, ImagePolicy(image_map={"unrelated:1": "other:1"}))
    assert image_tag(task, mapped) == "lab/x:1"


def test_a_failed_build_is_not_tried_again_by_the_run_s_other_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each trial of a task would otherwise build its image again, one after the other."""
    from horizonbench.errors import ImageBuildError
    from horizonbench.sandbox import images
    from horizonbench.tasks.loader import load_task

    task = load_task(REPO / "tasks" / "smoke" / "word-report")
    calls: list[str] = []

    def failing_build(task: object, tag: str, policy: object) -> object:
        calls.append(tag)
        raise ImageBuildError(f"task word-report: image build failed (curl: could not resolve host); build log: {tag}")

    monkeypatch.setattr(images, "_build", failing_build)
    monkeypatch.setattr(images, "_image_id", lambda ref: None)
    monkeypatch.setattr(images, "_failed_builds", {})
    for _ in range(3):
        with pytest.raises(ImageBuildError, match="could not resolve host") as err:
            images.ensure(task)
    assert len(calls) == 1
    assert "failed earlier in this run: not built again" in str(err.value)
    with pytest.raises(ImageBuildError):
        images.ensure(task, rebuild=True)  # asked for: built again
    assert len(calls) == 2


def test_a_requirement_published_as_an_sdist_only_gets_a_pure_wheel_built_on_the_host(tmp_path: Path) -> None:
    """docopt has no wheel on PyPI; a wheelhouse for another Python than the host's asks pip
    for wheels only, so the pure-Python wheel is built here, and serves that Python too."""
    from horizonbench.sandbox.images import download_wheelhouse

    log = io.StringIO()
    download_wheelhouse(["docopt==0.6.2"], tmp_path / "wh", log, python_version="3.9")
    assert [p.name for p in (tmp_path / "wh").glob("*.whl")] == ["docopt-0.6.2-py2.py3-none-any.whl"]
    assert "pip wheel" in log.getvalue() and "--find-links" in log.getvalue()
