"""``horizonbench tasks`` (list, show, check, generate, SWE-bench import and export) and ``score-predictions``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from horizonbench.cli.app import app, err, out
from horizonbench.cli.options import (
    DiffOpt,
    ForceBuildOpt,
    ImageMapFileOpt,
    ImageMapOpt,
    MaxOpt,
    MinOpt,
    NameOpt,
    PathsArg,
    RegistryOpt,
    TagOpt,
    image_policy,
    load_selected,
)

tasks_app = typer.Typer(help="Tasks and suites: list, show, check, generate, import, export.", no_args_is_help=True)


@tasks_app.command("list")
def tasks_list(
    paths: list[Path] = PathsArg,
    names: list[str] = NameOpt,
    tags: list[str] = TagOpt,
    difficulty: list[str] = DiffOpt,
    min_minutes: float | None = MinOpt,
    max_minutes: float | None = MaxOpt,
    registry: str | None = RegistryOpt,
) -> None:
    """List tasks with their grader, difficulty and horizon."""
    tasks, _ = load_selected(paths, names, tags, difficulty, min_minutes, max_minutes, registry)
    table = Table("task", "suite", "grader", "mode", "difficulty", "steps", "expert min", "milestones", "tags")
    for t in tasks:
        v = t.config.verifier
        table.add_row(
            t.name,
            t.suite,
            v.grader,
            t.grading_mode,
            t.difficulty or "",
            str(t.steps or ""),
            f"{t.expert_minutes:g}" if t.expert_minutes else "",
            str(len(t.config.milestones)),
            ",".join(t.tags),
        )
    out.print(table)
    out.print(f"{len(tasks)} task(s)")


@tasks_app.command("show")
def tasks_show(path: Path = typer.Argument(..., help="A task folder.")) -> None:
    """Show a task's configuration and instruction."""
    from horizonbench.tasks.loader import load_task

    task = load_task(path)
    out.print(f"[bold]{task.name}[/] ({task.path})")
    out.print_json(task.config.model_dump_json(exclude_defaults=True))
    out.rule("instruction")
    out.print(task.instruction, markup=False, highlight=False)


@tasks_app.command("check")
def tasks_check(
    paths: list[Path] = PathsArg,
    names: list[str] = NameOpt,
    concurrency: int = typer.Option(2, "--concurrency", "-n", help="Trials at once."),
    force_build: bool = ForceBuildOpt,
    image_map: list[str] = ImageMapOpt,
    image_map_file: list[Path] = ImageMapFileOpt,
    registry: str | None = RegistryOpt,
) -> None:
    """Prove tasks sound: image builds, hidden tests absent, oracle passes, nop fails."""
    from horizonbench.workflows.task_check import check_tasks

    policy = image_policy(force_build, image_map, image_map_file)
    tasks, suites = load_selected(paths, names, [], [], None, None, registry)
    checks = check_tasks(tasks, suites, concurrency=concurrency, image_policy=policy)
    table = Table("task", "image", "tests hidden", "oracle", "nop", "ok")
    for c in checks:
        hidden = "-" if c.tests_absent is None else "yes" if c.tests_absent else "[red]NO[/]"
        image = f"{c.image} ({c.image_source})" if c.image_source else c.image
        table.add_row(c.task, image, hidden, c.oracle, c.nop, "[green]yes[/]" if c.ok else "[red]no[/]")
    out.print(table)
    bad = [c for c in checks if not c.ok]
    for c in bad:
        for p in c.problems:
            err.print(f"[red]{c.task}[/]: {p}", highlight=False, soft_wrap=True)
    out.print(f"{len(checks) - len(bad)}/{len(checks)} task(s) sound")
    raise typer.Exit(1 if bad else 0)


generate_app = typer.Typer(help="Generate tasks.", no_args_is_help=True)
tasks_app.add_typer(generate_app, name="generate")


@generate_app.command("ladder")
def tasks_generate_ladder(
    length: int = typer.Option(..., "--length", "-n", help="Dependent steps (stages to fix), 1 to 128."),
    seed: int | None = typer.Option(None, "--seed", "-s", help="Seed: picks domain, names, stages, defects and data."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Task directory to write."),
    force: bool = typer.Option(False, "--force", help="Replace the directory if it exists."),
    fresh: bool = typer.Option(
        False, "--fresh", help="A new random seed, and today as metadata.created: a task no model has seen."
    ),
) -> None:
    """Write a controlled-horizon ladder task: an N-stage pipeline with one defect per stage."""
    import secrets
    from datetime import UTC, datetime

    from horizonbench.errors import ConfigError
    from horizonbench.tasks.ladder import generate

    if fresh == (seed is not None):
        raise ConfigError("tasks generate ladder: give --seed N or --fresh (a new random seed), not both")
    if seed is None:
        seed = 1_000_000 + secrets.randbelow(2**31)  # above the seeds of the shipped suite
    created = datetime.now(UTC).date() if fresh else None
    path = generate(length, seed, out_dir, force=force, created=created)
    out.print(f"wrote {path}: ladder of {length} step(s), seed {seed}", highlight=False)


@tasks_app.command("variants")
def tasks_variants(
    paths: list[Path] = typer.Argument(..., help="Suite folders or task folders (repository tasks)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for the variants (a suite of its own)."),
    seed: int = typer.Option(1, "--seed", "-s", help="Picks the new names; another seed, other names."),
) -> None:
    """Contamination probes: each task with its project's module renamed in code, tests, patch and text."""
    from horizonbench.tasks.variants import make_variants

    made, skipped = make_variants(paths, out_dir, seed)
    for v in made:
        out.print(f"{v.path}: {v.source} with {v.old} renamed {v.new}", highlight=False)
    for name, why in skipped:
        err.print(f"skipped {name}: {why}", highlight=False, soft_wrap=True)
    out.print(f"{len(made)} variant(s) in {out_dir}; prove them sound with: horizonbench tasks check {out_dir}")


@tasks_app.command("import-swebench")
def tasks_import_swebench(
    instances: Path | None = typer.Argument(
        None, help="SWE-bench instances: a .jsonl, .json, .parquet or .arrow file (or use --dataset)."
    ),
    repos: Path | None = typer.Option(
        None, "--repos", help="Folder of local clones (owner__name or name), for environments built offline."
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="A dataset by name through the datasets library, e.g. princeton-nlp/SWE-bench_Lite."
    ),
    split: str = typer.Option("test", "--split", help="The dataset's split (with --dataset)."),
    dest: Path = typer.Option(Path("tasks/swebench"), "--out", "-o", help="Suite folder the tasks are written to."),
    requirement: list[str] = typer.Option(
        [], "--requirement", "-r", help="pip requirement of images, added to the defaults (repeatable)."
    ),
    overwrite: bool = typer.Option(False, help="Replace task folders that exist."),
    environment: str = typer.Option(
        "auto",
        "--environment",
        help="prebuilt: a record's evaluation image (pulled; graded by its eval_script); build: offline from the "
        "spec (needs --repos); auto: the image, with the offline build where no registry serves it.",
    ),
) -> None:
    """Turn SWE-bench instances into task folders; unsupported ones are listed with the reason."""
    from horizonbench.errors import ConfigError
    from horizonbench.tasks.swebench_io import import_instances, with_defaults
    from horizonbench.tasks.swebench_sources import load_dataset_rows

    if (instances is None) == (dataset is None):
        raise ConfigError("tasks import-swebench: give an instances file or --dataset NAME, not both")
    source = instances if instances is not None else load_dataset_rows(str(dataset), split)
    report = import_instances(source, repos, dest, with_defaults(requirement), overwrite, environment)
    for path in report.imported:
        out.print(f"imported {path}", highlight=False)
    for iid, note in report.notes:
        out.print(f"[yellow]note[/] {iid}: {note}", highlight=False, soft_wrap=True)
    for iid, reason in report.skipped:
        out.print(f"[yellow]unsupported[/] {iid}: {reason}", highlight=False, soft_wrap=True)
    out.print(f"{len(report.imported)} imported, {len(report.skipped)} unsupported")


@tasks_app.command("export-swebench")
def tasks_export_swebench(
    paths: list[Path] = PathsArg,
    output: Path = typer.Option(Path("swebench-instances.jsonl"), "--output", "-o", help="JSON-lines file to write."),
) -> None:
    """Write swebench-graded tasks as SWE-bench instances (builds their images if needed)."""
    from horizonbench.tasks.swebench_export import export_suite

    rows = export_suite(paths, output)
    out.print(f"{len(rows)} instance(s) written to {output}", highlight=False)


@app.command("score-predictions")
def score_predictions(
    predictions: Path = typer.Argument(..., help="Predictions: instance_id, model_name_or_path, model_patch."),
    suite: list[Path] = typer.Option(..., "--suite", "-s", help="Suite or task folder holding the instances."),
    run_id: str | None = typer.Option(None, "--run-id", help="Report folder name under --results."),
    results: Path = typer.Option(Path("results"), "--results", help="Results root directory."),
    concurrency: int = typer.Option(2, "--concurrency", "-n", help="Predictions graded at once."),
    force_build: bool = ForceBuildOpt,
    image_map: list[str] = ImageMapOpt,
    image_map_file: list[Path] = ImageMapFileOpt,
) -> None:
    """Grade published patches like agents' diffs (fresh mode), without running an agent."""
    from datetime import UTC, datetime

    from horizonbench.workflows.predictions import score_predictions as score

    rid = run_id or datetime.now(UTC).strftime("preds-%Y%m%d-%H%M%S")
    policy = image_policy(force_build, image_map, image_map_file)
    report = score(predictions, suite, results, rid, concurrency, policy)
    table = Table("instance", "model", "status", "detail")
    for r in report.results:
        table.add_row(r.instance_id, r.model, r.status, r.detail[:80])
    out.print(table)
    out.print(report.line(), highlight=False, soft_wrap=True)
