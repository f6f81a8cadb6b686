"""Writing a ladder as a task directory: repository, hidden tests, milestones, oracle patch."""

from __future__ import annotations

from datetime import date

import difflib
import json
from pathlib import Path
from typing import Any

from horizonbench.errors import ConfigError
from horizonbench.tasks.ladder.build import Ladder, build
from horizonbench.tasks.ladder.stages import REPO_DIR, Stage, expert_minutes


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _module(i: int, stage: Stage) -> str:
    return f"s{i:02d}_{stage.slug}"


def render(ladder: Ladder, created: date | None = None) -> dict[str, str]:
    """Every file of the task directory, by relative path."""
    d, n, pkg = ladder.domain, ladder.length, ladder.domain.package
    modules = [_module(i, s) for i, s in enumerate(ladder.stages, 1)]
    files: dict[str, str] = {}
    repo = "environment/repo"
    files[f"{repo}/README.md"] = (
        f"# {pkg}\n\nCleans and scores {d.entity} records in {n} stages. Each stage module in "
        f"`{pkg}/stages/` takes the\nrecords the previous stage returns; its docstring is its specification.\n\n"
        f"```\npython3 -m {pkg} examples/input.json     # prints the pipeline's output as JSON\n"
        "python3 -m pytest tests                     # the example end to end\n```\n"
    )
    files[f"{repo}/{pkg}/__init__.py"] = f'"""{d.entity.capitalize()} records pipeline."""\n'
    files[f"{repo}/{pkg}/__main__.py"] = (
        "import json\nimport sys\n\n"
        f"from {pkg}.pipeline import run\n\n"
        "with open(sys.argv[1]) as fh:\n"
        "    print(json.dumps(run(json.load(fh)), indent=2, sort_keys=True))\n"
    )
    imports = "".join(f"    {m},\n" for m in modules)
    files[f"{repo}/{pkg}/pipeline.py"] = (
        f'"""The {d.entity} pipeline: stages run in order, each on the previous one\'s output."""\n\n'
        f"from {pkg}.stages import (\n{imports})\n\n"
        f"STAGES = [\n{imports}]\n\n\n"
        "def run(records, upto=None):\n"
        '    """Run the first ``upto`` stages (all by default) on ``records``."""\n'
        "    for stage in STAGES[:upto]:\n"
        "        records = stage.apply(records)\n"
        "    return records\n"
    )
    files[f"{repo}/{pkg}/stages/__init__.py"] = '"""Pipeline stages, in order."""\n'
    for i, (m, s) in enumerate(zip(modules, ladder.stages, strict=True), 1):
        files[f"{repo}/{pkg}/stages/{m}.py"] = s.source(i, s.defective)
    files[f"{repo}/examples/input.json"] = _json(ladder.visible)
    files[f"{repo}/examples/expected.json"] = _json(ladder.expected_visible)
    files[f"{repo}/tests/test_example.py"] = (
        "import json\nfrom pathlib import Path\n\n"
        f"from {pkg}.pipeline import run\n\n"
        "EXAMPLES = Path(__file__).resolve().parents[1] / 'examples'\n\n\n"
        "def test_example_end_to_end():\n"
        "    records = json.loads((EXAMPLES / 'input.json').read_text())\n"
        "    assert run(records) == json.loads((EXAMPLES / 'expected.json').read_text())\n"
    )
    files["environment/Dockerfile"] = (
        "FROM horizonbench/base:bookworm\n"
        "COPY wheelhouse /tmp/wheelhouse\n"
        "RUN pip install --no-index --find-links /tmp/wheelhouse -r /tmp/wheelhouse/requirements.txt"
        " && rm -rf /tmp/wheelhouse\n"
        f"COPY repo {REPO_DIR}\n"
        f"WORKDIR {REPO_DIR}\n"
        "RUN git init -q -b main && git add -A \\\n"
        " && git -c user.name=dev -c user.email=dev@example.invalid commit -qm 'pipeline' \\\n"
        " && git reflog expire --expire=now --all && git gc -q --prune=now\n"
    )
    tests = [
        '"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the\n'
        'result with what correct stages produce."""\n\n'
        "import copy\nimport hashlib\nimport json\n\n"
        f"from {pkg}.pipeline import run\n\n"
        f"RECORDS = json.loads({json.dumps(json.dumps(ladder.hidden, sort_keys=True))})\n"
        "DIGESTS = [\n" + "".join(f'    "{h}",\n' for h in ladder.digests) + "]\n\n\n"
        "def check(k):\n"
        "    out = run(copy.deepcopy(RECORDS), upto=k)\n"
        "    got = hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()\n"
        '    assert got == DIGESTS[k - 1], f"after stage {k}: {json.dumps(out)[:1500]}"\n'
    ]
    tests += [f"\n\ndef test_step_{i:02d}():\n    check({i})\n" for i in range(1, n + 1)]
    files["tests/test_steps.py"] = "".join(tests)
    patch = []
    for i, (m, s) in enumerate(zip(modules, ladder.stages, strict=True), 1):
        path = f"{pkg}/stages/{m}.py"
        diff = difflib.unified_diff(
            s.source(i, s.defective).splitlines(keepends=True),
            s.source(i, s.correct).splitlines(keepends=True),
            f"a/{path}",
            f"b/{path}",
        )
        patch.append(f"diff --git a/{path} b/{path}\n" + "".join(diff))
    files["solution/patch.diff"] = "".join(patch)
    files["instruction.md"] = (
        f"The `{pkg}` package in `{REPO_DIR}` cleans and scores {d.entity} records through a pipeline of "
        f"{n} stage{'s' if n > 1 else ''}\n(`{pkg}/stages/`, run in order by `{pkg}/pipeline.py`); each stage takes "
        "the records the previous\none returns. The docstring at the top of each stage module is its specification.\n\n"
        f"The pipeline's output is wrong: `python3 -m {pkg} examples/input.json` should print exactly the\n"
        "records in `examples/expected.json` (`python3 -m pytest tests` checks that). Fix the stages so that\n"
        "each one does what its specification says. A stage can only be checked once every stage before it\n"
        "is right. Do not change the specifications, the examples or the tests.\n"
    )
    files["task.toml"] = _task_toml(ladder, created)
    return files


def _task_toml(ladder: Ladder, created: date | None = None) -> str:
    n = ladder.length
    difficulty = "easy" if n <= 2 else "medium" if n <= 8 else "hard"
    lines = [
        f"# Generated by: horizonbench tasks generate ladder --length {n} --seed {ladder.seed}",
        'schema_version = "1.1"',
        "",
        "[metadata]",
        f'difficulty = "{difficulty}"',
        'category = "debugging"',
        f'tags = ["python", "ladder", "milestones", "n{n}"]',
        f'family = "ladder-{ladder.domain.package}"',
        *([f"created = {created.isoformat()}"] if created is not None else []),
        "",
        "[horizon]",
        f"steps = {n}",
        f"expert_minutes = {expert_minutes(n)}",
        "",
        "[agent]",
        f"timeout_sec = {600 + 120 * n}",
        "",
        "[environment]",
        "cpus = 1",
        "memory_mb = 512",
        'python_requirements = ["pytest==8.3.3"]',
        "",
        "[verifier]",
        'grader = "milestones"',
        'mode = "fresh"',
        "timeout_sec = 300",
        f'tests_dir = "{REPO_DIR}/tests/hidden"',
        'command = "python3 -m pytest -rA -p no:cacheprovider tests/hidden"',
    ]
    for i, s in enumerate(ladder.stages, 1):
        lines += [
            "",
            "[[milestones]]",
            f'name = "step {i}: {s.title}"',
            f'tests = ["tests/hidden/test_steps.py::test_step_{i:02d}"]',
        ]
    return "\n".join(lines) + "\n"


def generate(length: int, seed: int, out: Path | str, force: bool = False, created: date | None = None) -> Path:
    """Write the ladder task of ``length`` steps for ``seed`` into ``out`` (``created``: the day to
    record as metadata.created, for tasks generated fresh at evaluation time).

    Raises:
        ConfigError: length or seed out of range, or ``out`` exists, is not empty and
            ``force`` is not set.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise ConfigError(f"--out {out}: exists and is not empty (pass --force to replace it)")
    files = render(build(length, seed), created)
    if out.exists() and force:
        for path in sorted(out.rglob("*"), reverse=True):
            if path.is_file() or path.is_symlink():
                path.unlink()
            elif path.is_dir():
                path.rmdir()
    for rel, text in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return out
