"""Contamination probes: variants of SWE tasks keep the task (the oracle's rewritten patch resolves
them) but not its names, so an agent that recalls the originals' fixes drops to zero on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO, hb

pytestmark = pytest.mark.docker

# Six pairs: with every pair differing alike, fewer could not exclude a small drop (the no-spread bound).
TASKS = [
    "toolz-get-in-index",
    "cachetools-lfu-reads",
    "mi-windowed-step",
    "parse-tz-sign",
    "sc-irange-exclusive",
    "inflection-irregular-case",
]
CLAIMS = """\
schema_version = 1

[[claim]]
id = "reads-the-code"
text = "It solves tasks it has not seen as well as the benchmark's own"
kind = "robust"
subject = { agent = "tests.memorising_agent:MemorisingAgent" }
max_drop = 10
"""


@pytest.fixture(scope="module")
def suites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("probes")
    originals = root / "swe"
    originals.mkdir()
    for name in [*TASKS, "_shared"]:
        (originals / name).symlink_to(REPO / "tasks" / "swe" / name)
    variants = root / "variants"
    res = hb("tasks", "variants", originals, "--out", variants, "--seed", "3")
    assert res.returncode == 0, res.stderr
    assert f"{len(TASKS)} variant(s)" in res.stdout
    return originals, variants


def test_variants_differ_in_names_and_layout(suites: tuple[Path, Path]) -> None:
    originals, variants = suites
    for name in TASKS:
        variant = variants / f"{name}-v3"
        old_patch = (originals / name / "solution" / "patch.diff").read_text()
        new_patch = (variant / "solution" / "patch.diff").read_text()
        assert new_patch != old_patch and old_patch.splitlines()[0] != new_patch.splitlines()[0]  # other paths
        assert f'variant_of = "{name}"' in (variant / "task.toml").read_text()


def test_every_variant_is_sound(suites: tuple[Path, Path]) -> None:
    _, variants = suites
    res = hb("tasks", "check", variants, "--concurrency", "2", timeout=1500)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert f"{len(TASKS)}/{len(TASKS)} task(s) sound" in res.stdout


def test_a_memorising_agent_drops_on_variants_and_the_claim_says_so(suites: tuple[Path, Path], tmp_path: Path) -> None:
    originals, variants = suites
    agent = "tests.memorising_agent:MemorisingAgent"
    res = hb("run", originals, variants, "--agent", agent, "--run-id", "m", "--results", tmp_path, "--no-progress")
    assert res.returncode == 0, res.stderr
    assert f"{len(TASKS)} passed, {len(TASKS)} failed, 0 errors" in res.stdout
    report = hb("report", tmp_path / "m", "--out", tmp_path / "report", "--bootstrap", "50")
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "report" / "report.md").read_text()
    assert "## Originals and their variants" in text and "| 100.0% | 0.0% | 100.0% [" in text
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIMS)
    check = hb("claims", "check", claims, tmp_path / "m", "--markdown", tmp_path / "verdicts.md")
    assert check.returncode == 0, check.stderr
    verdicts = (tmp_path / "verdicts.md").read_text()
    assert "contradicted" in verdicts and "a drop of 100.0 points" in verdicts
