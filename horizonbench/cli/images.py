"""``horizonbench images`` and ``horizonbench sandbox``."""

from __future__ import annotations

from pathlib import Path

import typer

from horizonbench.cli.app import out
from horizonbench.cli.options import ForceBuildOpt, ImageMapFileOpt, ImageMapOpt, image_policy

images_app = typer.Typer(help="Base and task images.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Sandboxes: try one, prune leftovers.", no_args_is_help=True)


@images_app.command("base")
def images_base(
    rebuild: bool = typer.Option(False, help="Build again even if present."),
    release: str = typer.Option(
        "bookworm",
        "--release",
        help="Release: Debian bullseye (Python 3.9), bookworm (3.11), trixie (3.13); Ubuntu bionic (3.6), "
        "focal (3.8), jammy (3.10), noble (3.12).",
    ),
) -> None:
    """Build a base image (from a registry, or offline with debootstrap)."""
    from horizonbench.sandbox import base_image

    info = base_image.ensure(rebuild=rebuild, release=release)
    state = "built" if info.built else "present"
    out.print(f"{info.tag} {state}: id {info.image_id[7:19]}, made by {info.method}, {info.size_mb} MB")


@images_app.command("build")
def images_build(
    paths: list[Path] = typer.Argument(..., help="Suite folders or task folders."),
    force_build: bool = ForceBuildOpt,
    image_map: list[str] = ImageMapOpt,
    image_map_file: list[Path] = ImageMapFileOpt,
) -> None:
    """Build, pull or find the image of every task, and say how each came to be."""
    from horizonbench.sandbox import images
    from horizonbench.tasks.loader import load_tasks

    policy = image_policy(force_build, image_map, image_map_file)
    tasks, _ = load_tasks(paths)
    for t in tasks:
        img = images.ensure(t, policy=policy)
        source = img.origin.source if img.origin else ("built" if img.built else "local")
        out.print(f"{t.name}: {img.tag} ({source})", highlight=False)


@images_app.command("save")
def images_save(
    paths: list[Path] = typer.Argument(..., help="Suite folders or task folders."),
    to: Path = typer.Option(..., "--to", help="Directory for the image tars (e.g. a CI cache)."),
) -> None:
    """Save the base image and the tasks' images as tars (skips tars already there)."""
    from horizonbench.sandbox import base_image, images
    from horizonbench.tasks.loader import load_tasks

    tasks, _ = load_tasks(paths)
    bases = [base_image.hashed_tag(r) for r in base_image.RELEASES if r == base_image.DISTRO or base_image.info(r)]
    layers = [images.image_tag(layer) for t in tasks if (layer := images.layer_of(t)) is not None]
    tags = [*bases, *dict.fromkeys([*layers, *(images.present_tag(t) for t in tasks)])]
    path = images.save_images(tags, to)
    out.print(f"{len(tags)} image(s) saved to {path}" if path else f"{len(tags)} image(s) already saved in {to}")


@images_app.command("load")
def images_load(directory: Path = typer.Argument(..., help="Directory of image tars.")) -> None:
    """Load image tars saved by 'images save'."""
    from horizonbench.sandbox import base_image, images

    tags = images.load_images(directory)
    for release in base_image.RELEASES:
        if base_image.info(release) is not None:
            base_image.ensure(release=release)  # re-point horizonbench/base:<release> at the loaded recipe
    out.print(f"{len(tags)} image tag(s) loaded from {directory}")


@sandbox_app.command("prune")
def sandbox_prune() -> None:
    """Remove horizonbench containers whose owning process is gone."""
    from horizonbench.sandbox import reaper

    removed = reaper.prune()
    for item in removed:
        out.print(f"removed {item.name} (run {item.run or '-'}, trial {item.trial or '-'})")
    out.print(f"{len(removed)} leftover container(s) removed")


@sandbox_app.command("demo")
def sandbox_demo() -> None:
    """Start a sandbox from the base image and show its shell, limits and files at work."""
    from horizonbench.sandbox.demo import run_demo

    for line in run_demo():
        out.print(line)
