"""The ladder generator: reproducible, seed-dependent, verified chains, and the checked-in
instances are exactly what it produces. No Docker."""

from __future__ import annotations

import copy
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from horizonbench.errors import ConfigError
from horizonbench.tasks import ladder
from horizonbench.tasks.loader import hash_tree, load_suite, load_task
from tests.helpers import REPO, hb

LADDER = REPO / "tasks" / "ladder"


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_cli_output_is_byte_identical_for_a_seed_and_differs_between_seeds(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        res = hb("tasks", "generate", "ladder", "--length", "6", "--seed", str(seed), "--out", tmp_path / name)
        assert res.returncode == 0, res.stderr
    a, b, c = (files_of(tmp_path / n) for n in "abc")
    assert a == b
    assert a != c
    assert a["solution/patch.diff"] != c["solution/patch.diff"]
    assert a["tests/test_steps.py"] != c["tests/test_steps.py"]


def test_checked_in_instances_are_the_generators_output(tmp_path: Path) -> None:
    suite = load_suite(LADDER)
    assert len(suite.tasks) == 21
    lengths: dict[int, set[int]] = {}
    for task in suite.tasks:
        m = re.fullmatch(r"ladder-n(\d+)-s(\d+)", task.name)
        assert m, task.name
        n, seed = int(m.group(1)), int(m.group(2))
        lengths.setdefault(n, set()).add(seed)
        assert task.steps == n and len(task.config.milestones) == n
        assert task.expert_minutes == ladder.expert_minutes(n)
        out = ladder.generate(n, seed, tmp_path / task.name)
        assert hash_tree(out) == hash_tree(task.path), f"{task.name} differs from the generator's output"
    assert lengths == {n: {1, 2, 3} for n in (1, 2, 4, 8, 16, 32, 64)}


def test_instances_share_one_environment_recipe() -> None:
    dockerfiles = {(t / "environment" / "Dockerfile").read_bytes() for t in LADDER.iterdir() if t.is_dir()}
    assert len(dockerfiles) == 1


@pytest.mark.parametrize(("length", "seed"), [(8, 1), (16, 3)])
def test_fixing_the_first_k_stages_passes_exactly_the_first_k_steps(length: int, seed: int) -> None:
    lad = ladder.build(length, seed)
    for fixed in range(length + 1):
        records = copy.deepcopy(lad.hidden)
        passed = []
        for i, stage in enumerate(lad.stages, 1):
            ns: dict = {}
            exec(stage.source(i, stage.correct if i <= fixed else stage.defective), ns)
            records = ns["apply"](records)
            passed.append(ladder.digest(records) == lad.digests[i - 1])
        assert passed == [i <= fixed for i in range(1, length + 1)]


def test_generated_task_loads_with_one_milestone_per_step(tmp_path: Path) -> None:
    task = load_task(ladder.generate(5, 11, tmp_path / "t"))
    assert task.config.verifier.grader == "milestones" and task.grading_mode == "fresh"
    assert [m.tests for m in task.config.milestones] == [
        [f"tests/hidden/test_steps.py::test_step_{i:02d}"] for i in range(1, 6)
    ]
    assert task.steps == 5 and task.expert_minutes == ladder.expert_minutes(5)


def test_the_example_fails_before_and_passes_after_the_patch(tmp_path: Path) -> None:
    lad = ladder.build(4, 5)
    files = ladder.render(lad)
    pkg = lad.domain.package
    for fixed, want in ((0, False), (4, True)):
        root = tmp_path / str(fixed)
        for rel, text in files.items():
            if rel.startswith("environment/repo/"):
                (root / rel[len("environment/repo/") :]).parent.mkdir(parents=True, exist_ok=True)
                (root / rel[len("environment/repo/") :]).write_text(text)
        for i, stage in enumerate(lad.stages[:fixed], 1):
            path = next((root / pkg / "stages").glob(f"s{i:02d}_*.py"))
            path.write_text(stage.source(i, stage.correct))
        sys.path.insert(0, str(root))
        try:
            for mod in [m for m in sys.modules if m == pkg or m.startswith(pkg + ".")]:
                del sys.modules[mod]
            spec = importlib.util.spec_from_file_location("example_test", root / "tests" / "test_example.py")
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            try:
                module.test_example_end_to_end()
                ok = True
            except AssertionError:
                ok = False
            assert ok is want
        finally:
            sys.path.remove(str(root))
            for mod in [m for m in sys.modules if m == pkg or m.startswith(pkg + ".")]:
                del sys.modules[mod]


@pytest.mark.parametrize(
    ("length", "seed", "fragment"), [(0, 1, "--length 0"), (129, 1, "--length 129"), (3, -1, "--seed -1")]
)
def test_out_of_range_arguments_are_config_errors(length: int, seed: int, fragment: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=fragment):
        ladder.generate(length, seed, tmp_path / "x")


def test_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    out = ladder.generate(2, 1, tmp_path / "t")
    (out / "extra.txt").write_text("keep?")
    res = hb("tasks", "generate", "ladder", "--length", "2", "--seed", "1", "--out", out)
    assert res.returncode == 2 and "--force" in res.stderr and "Traceback" not in res.stderr
    ladder.generate(2, 1, out, force=True)
    assert not (out / "extra.txt").exists()
