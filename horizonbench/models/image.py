"""How a trial's image came to be (persisted in every result), and the run's image policy:
build instead of pulling, and stand-ins for images an air-gapped lab cannot reach."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ImageSource = Literal["pulled", "built", "local", "stand-in"]


def normalize_ref(ref: str) -> str:
    """``ref`` as the engine resolves it, for matching: Docker Hub's ``docker.io/`` and
    ``library/`` dropped, ``:latest`` added when neither a tag nor a digest is given
    (``python`` and ``docker.io/library/python:latest`` are one image)."""
    ref = ref.strip()
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
            break
    if ref.startswith("library/") and ref.count("/") == 1:
        ref = ref[len("library/") :]
    last = ref.rsplit("/", 1)[-1]
    if "@" not in ref and ":" not in last:
        ref += ":latest"
    return ref


class ImagePolicy(BaseModel):
    """How a run comes by its task images (``run --force-build --image-map``)."""

    force_build: bool = Field(
        False, description="Build from environment/ even where the task's docker_image could be pulled."
    )
    image_map: dict[str, str] = Field(
        default_factory=dict,
        description="Stand-ins: image ref -> the ref used instead, applied to docker_image and to the FROM lines "
        "of Dockerfiles being built (--image-map SRC=DST, --image-map-file).",
    )

    def stand_in(self, ref: str) -> str | None:
        """The image mapped in for ``ref``, or None when the map does not name it."""
        if not self.image_map:
            return None
        wanted = normalize_ref(ref)
        for src, dst in self.image_map.items():
            if src == ref or normalize_ref(src) == wanted:
                return dst
        return None


class ImageOrigin(BaseModel):
    """Where the image a trial ran came from."""

    ref: str = Field(description="The image the sandbox ran (a tag).")
    source: ImageSource = Field(
        description="pulled (from a registry now), built (from environment/ now), local (on the engine already) "
        "or stand-in (an --image-map replacement for the task's docker_image)."
    )
    id: str = Field("", description="Image id (sha256).")
    digest: str | None = Field(None, description="Repository digest (name@sha256:...), where a registry served it.")
    requested: str | None = Field(None, description="The task's docker_image, where it names one.")
    stand_ins: dict[str, str] = Field(
        default_factory=dict, description="FROM images of the build replaced by --image-map (original -> used)."
    )
    pull_error: str | None = Field(
        None, description="Why the task's docker_image was not pulled, where it was built instead."
    )
    notes: list[str] = Field(default_factory=list, description="What the image map left alone, and why.")
