"""Controlled-horizon coding tasks: a data pipeline of N stages, each with one defect.

``generate(length, seed, out)`` writes a complete task directory. The repository holds a
package whose pipeline runs N stage modules in order, each taking the records the
previous stage returns. Every stage's docstring specifies it and its code breaks that
specification in one place. Hidden test ``k`` runs stages 1..k on hidden records and
compares the result with what correct stages produce, so milestone ``k`` passes exactly
when the first k stages are fixed: a defect can only be checked once every stage before
it is right.

The generator is pure and seeded: one (length, seed) gives byte-identical files; the
seed picks the domain, names, stages, constants, defects and data. While it builds the
chain it executes each stage's correct and defective source and keeps a candidate only
if its defect changes the output both on the visible example and on the hidden records,
and cannot be masked by a later stage for any prefix of fixed stages. So an agent that
fixes the first k stages gets exactly milestones 1..k.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from horizonbench.errors import ConfigError

MAX_LENGTH = 128
BASE_MINUTES = 5
MINUTES_PER_STEP = 3
REPO_DIR = "/work/repo"

Records = list[dict[str, Any]]


def expert_minutes(length: int) -> int:
    """Estimated expert time: orientation, then locate, fix and re-check one stage per step."""
    return BASE_MINUTES + MINUTES_PER_STEP * length


@dataclass(frozen=True)
class Domain:
    package: str
    entity: str
    key: str
    category: str
    text: str
    count: str
    value: str
    categories: tuple[str, ...]
    texts: tuple[str, ...]


DOMAINS = (
    Domain("parcelflow", "shipment", "shipment_id", "carrier", "destination", "parcels", "weight_kg",
           ("dhl", "ups", "gls", "fedex"), ("lisbon", "oslo", "turin", "ghent", "lyon", "graz")),
    Domain("billrun", "invoice", "invoice_id", "currency", "customer", "lines", "total",
           ("eur", "usd", "gbp", "chf"), ("acme corp", "globex", "initech", "umbrella", "hooli", "vandelay")),
    Domain("telemetrix", "sensor reading", "reading_id", "sensor", "site", "samples", "celsius",
           ("thermo", "probe", "mesh", "relay"), ("north mill", "dock b", "lab 3", "roof", "cellar", "yard")),
    Domain("orderpipe", "order", "order_id", "channel", "customer", "items", "subtotal",
           ("web", "store", "phone", "partner"), ("ana lima", "bo chen", "cy ortiz", "di kumar", "ed moss", "fa ng")),
    Domain("clinicdesk", "clinic visit", "visit_id", "department", "patient", "minutes", "charge",
           ("cardio", "derma", "ortho", "neuro"), ("j doe", "m rossi", "k tanaka", "l meyer", "p silva", "r novak")),
    Domain("flightlog", "flight", "flight_id", "airline", "origin", "seats", "fare",
           ("tap", "klm", "sas", "lot"), ("porto", "bergen", "krakow", "malaga", "riga", "bari")),
)  # fmt: skip


@dataclass
class Stage:
    """One stage: a module name, a one-line title, its spec, and both bodies."""

    slug: str
    title: str
    spec: str
    correct: str
    defective: str

    def source(self, index: int, body: str) -> str:
        return f'"""Stage {index}: {self.title}.\n\n{self.spec}\n"""\n\n\ndef apply(records):\n{body}'


def _per_record(line: str) -> str:
    return (
        "    out = []\n"
        "    for record in records:\n"
        "        record = dict(record)\n"
        f"        {line}\n"
        "        out.append(record)\n"
        "    return out\n"
    )


def _num(x: float) -> str:
    return repr(round(x, 2))


Candidate = Callable[[random.Random, Domain, Records], Stage | None]


def _scale(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    f = rng.choice([0.8, 0.9, 0.95, 1.05, 1.1, 1.2, 1.25])
    v = d.value
    bad = rng.choice([f'round(record["{v}"] * {f}, 1)', f'round(record["{v}"] / {f}, 2)', f'int(record["{v}"] * {f})'])
    return Stage(
        f"scale_{v}",
        f"scale {v}",
        f"Multiply each record's `{v}` by {f} and round the result to 2 decimal places.",
        _per_record(f'record["{v}"] = round(record["{v}"] * {f}, 2)'),
        _per_record(f'record["{v}"] = {bad}'),
    )


def _offset(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    k, c = rng.randint(2, 5), d.count
    bad = rng.choice([f'record["{c}"] - {k}', f'record["{c}"] + {k} + 1', f'record["{c}"] * {k}'])
    return Stage(
        f"adjust_{c}",
        f"adjust {c}",
        f"Add {k} to each record's `{c}`.",
        _per_record(f'record["{c}"] = record["{c}"] + {k}'),
        _per_record(f'record["{c}"] = {bad}'),
    )


def _clamp(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    vals = sorted(r[d.value] for r in recs)
    lo, hi, v = _num(vals[len(vals) // 4]), _num(vals[(3 * len(vals)) // 4]), d.value
    if float(lo) >= float(hi):
        return None
    bad = rng.choice([f'max(record["{v}"], {lo})', f'min(record["{v}"], {hi})', f'min(max(record["{v}"], {hi}), {lo})'])
    return Stage(
        f"clamp_{v}",
        f"clamp {v}",
        f"Clamp each record's `{v}` into the range [{lo}, {hi}]: values below {lo} become {lo},\n"
        f"values above {hi} become {hi}.",
        _per_record(f'record["{v}"] = min(max(record["{v}"], {lo}), {hi})'),
        _per_record(f'record["{v}"] = {bad}'),
    )


def _cap(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    counts = sorted(r[d.count] for r in recs)
    cap, c = counts[len(counts) // 2], d.count
    return Stage(
        f"cap_{c}",
        f"cap {c}",
        f"Cap each record's `{c}` at {cap}: larger values become {cap}.",
        _per_record(f'record["{c}"] = min(record["{c}"], {cap})'),
        _per_record(f'record["{c}"] = max(record["{c}"], {cap})'),
    )


def _filter(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    if len(recs) < 9:
        return None
    c = d.count
    t = sorted(r[c] for r in recs)[1]
    return Stage(
        f"drop_small_{c}",
        f"drop records with few {c}",
        f"Keep only the records whose `{c}` is at least {t}; keep their order.",
        f'    return [record for record in records if record["{c}"] >= {t}]\n',
        f'    return [record for record in records if record["{c}"] > {t}]\n',
    )


def _sort(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    v, k = d.value, d.key
    if rng.random() < 0.5:
        return Stage(
            f"sort_by_{v}",
            f"sort by {v}",
            f"Order the records by `{v}`, largest first; records with equal `{v}` go in\nascending `{k}`.",
            f'    return sorted(records, key=lambda record: (-record["{v}"], record["{k}"]))\n',
            f'    return sorted(records, key=lambda record: (record["{v}"], record["{k}"]))\n',
        )
    c = d.category
    return Stage(
        f"sort_by_{c}",
        f"sort by {c}",
        f"Order the records by `{c}` alphabetically; records with the same `{c}` go in\nascending `{k}`.",
        f'    return sorted(records, key=lambda record: (record["{c}"], record["{k}"]))\n',
        f'    return sorted(records, key=lambda record: (record["{c}"], record["{k}"]), reverse=True)\n',
    )


def _score(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    c, v = d.count, d.value
    bad = rng.choice([f'round(record["{c}"] + record["{v}"], 2)', f'round(record["{v}"] / max(record["{c}"], 1), 2)'])
    return Stage(
        "compute_score",
        "compute score",
        f"Set each record's `score` to `{c}` times `{v}`, rounded to 2 decimal places\n(replacing any earlier score).",
        _per_record(f'record["score"] = round(record["{c}"] * record["{v}"], 2)'),
        _per_record(f'record["score"] = {bad}'),
    )


def _band(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    v = d.value
    t = _num(sorted(r[v] for r in recs)[len(recs) // 2])
    bad = rng.choice(
        [f'"high" if record["{v}"] > {t} else "low"', f'"low" if record["{v}"] >= {t} else "high"'],
    )
    return Stage(
        f"band_{v}",
        f"band by {v}",
        f'Set each record\'s `band` to "high" when `{v}` is {t} or more, else "low"\n(replacing any earlier band).',
        _per_record(f'record["band"] = "high" if record["{v}"] >= {t} else "low"'),
        _per_record(f'record["band"] = {bad}'),
    )


def _running(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    c = d.count
    body = (
        "    total = 0\n"
        "    out = []\n"
        "    for record in records:\n"
        "        record = dict(record)\n"
        "{lines}"
        "        out.append(record)\n"
        "    return out\n"
    )
    good = f'        total += record["{c}"]\n        record["running_{c}"] = total\n'
    bad = f'        record["running_{c}"] = total\n        total += record["{c}"]\n'
    return Stage(
        f"running_{c}",
        f"running total of {c}",
        f"Set each record's `running_{c}` to the sum of `{c}` over this record and every\n"
        "record before it, in the current order.",
        body.format(lines=good),
        body.format(lines=bad),
    )


def _discount(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    p, v = rng.choice([5, 10, 12, 15, 20]), d.value
    bad = rng.choice([f'round(record["{v}"] * {p} / 100, 2)', f'round(record["{v}"] - {p}, 2)'])
    return Stage(
        f"discount_{v}",
        f"discount {v}",
        f"Reduce each record's `{v}` by {p} percent, rounded to 2 decimal places.",
        _per_record(f'record["{v}"] = round(record["{v}"] * (1 - {p} / 100), 2)'),
        _per_record(f'record["{v}"] = {bad}'),
    )


def _normalize(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    t = d.text
    bad = rng.choice([f'record["{t}"].strip()', f'record["{t}"].title()', f'record["{t}"].strip().upper()'])
    return Stage(
        f"normalize_{t}",
        f"normalize {t}",
        f"Strip surrounding white space from each record's `{t}` and put it in title case\n"
        '("  north mill" becomes "North Mill").',
        _per_record(f'record["{t}"] = record["{t}"].strip().title()'),
        _per_record(f'record["{t}"] = {bad}'),
    )


def _dedupe(rng: random.Random, d: Domain, recs: Records) -> Stage | None:
    k = d.key
    good = (
        "    seen = set()\n"
        "    out = []\n"
        "    for record in records:\n"
        f'        if record["{k}"] in seen:\n'
        "            continue\n"
        f'        seen.add(record["{k}"])\n'
        "        out.append(record)\n"
        "    return out\n"
    )
    bad = f'    return list({{record["{k}"]: record for record in records}}.values())\n'
    return Stage(
        f"dedupe_{k}",
        f"drop repeated {k}",
        f"Keep only the first record of each `{k}`; keep the order of the records kept.",
        good,
        bad,
    )


KINDS: tuple[tuple[Candidate, int], ...] = (
    (_scale, 4),
    (_offset, 3),
    (_clamp, 2),
    (_cap, 1),
    (_filter, 1),
    (_sort, 2),
    (_score, 3),
    (_band, 2),
    (_running, 2),
    (_discount, 3),
    (_normalize, 1),
    (_dedupe, 1),
)


def _records(rng: random.Random, d: Domain, n: int, first_key: int) -> Records:
    out: Records = []
    for i in range(n):
        text = rng.choice(d.texts)
        text = rng.choice(["", " ", "  "]) + (text.upper() if rng.random() < 0.3 else text) + rng.choice(["", " "])
        out.append(
            {
                d.key: first_key + i,
                d.category: rng.choice(d.categories),
                d.text: text,
                d.count: rng.randint(1, 20),
                d.value: round(rng.uniform(5, 500), 2),
            }
        )
    dup = dict(out[rng.randrange(n)])  # a repeated key with different content
    dup[d.value] = round(dup[d.value] + 1.5, 2)
    out.insert(rng.randrange(1, n), dup)
    return out


def _compile(body: str) -> Callable[[Records], Records]:
    ns: dict[str, Any] = {}
    exec(f"def apply(records):\n{body}", ns)
    fn: Callable[[Records], Records] = ns["apply"]
    return fn


def _run(fn: Callable[[Records], Records], recs: Records) -> Records | None:
    try:
        return fn(copy.deepcopy(recs))
    except Exception:
        return None


def digest(records: Records) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True).encode()).hexdigest()


@dataclass
class Ladder:
    length: int
    seed: int
    domain: Domain
    stages: list[Stage]
    hidden: Records
    visible: Records
    expected_visible: Records
    digests: list[str]


def build(length: int, seed: int) -> Ladder:
    """Pick and verify the stages of a ladder (no files written).

    Raises:
        ConfigError: length or seed out of range.
    """
    if not 1 <= length <= MAX_LENGTH:
        raise ConfigError(f"--length {length}: must be between 1 and {MAX_LENGTH}")
    if seed < 0:
        raise ConfigError(f"--seed {seed}: must be 0 or more")
    rng = random.Random(f"ladder:{seed}")
    domain = rng.choice(DOMAINS)
    hidden = _records(rng, domain, 14, 100)
    visible = _records(rng, domain, 11, 500)
    rng = random.Random(f"ladder:{seed}:{length}")
    good_h, good_v = copy.deepcopy(hidden), copy.deepcopy(visible)
    # prefix[k]: hidden records after the current stages when only stages 1..k are fixed
    prefix: list[Records] = []
    stages: list[Stage] = []
    digests: list[str] = []
    kinds, weights = zip(*KINDS, strict=True)
    while len(stages) < length:
        for _ in range(200):
            stage = rng.choices(kinds, weights)[0](rng, domain, good_h)
            if stage is None or (stages and stage.slug == stages[-1].slug):
                continue  # two identical stages in a row read as a mistake, not a pipeline
            if (found := _verify(stage, good_h, good_v, prefix)) is not None:
                break
        else:
            raise ConfigError(f"--seed {seed}: no verifiable stage {len(stages) + 1} found; try another seed")
        good_h, good_v, prefix = found
        stages.append(stage)
        digests.append(digest(good_h))
    return Ladder(length, seed, domain, stages, hidden, visible, good_v, digests)


def _verify(
    stage: Stage, good_h: Records, good_v: Records, prefix: list[Records]
) -> tuple[Records, Records, list[Records]] | None:
    ok, bad = _compile(stage.correct), _compile(stage.defective)
    new_h, new_v = _run(ok, good_h), _run(ok, good_v)
    if new_h is None or new_v is None or len(new_h) < 6 or len(new_v) < 4:
        return None
    if _run(bad, good_v) == new_v:
        return None  # the defect would not show on the visible example
    new_prefix = []
    for recs in [*prefix, good_h]:  # stages 1..k fixed, this one defective
        out = _run(bad, recs)
        if out == new_h:
            return None  # the defect would be masked (or invisible) for this prefix
        new_prefix.append(out if out is not None else [])
    return new_h, new_v, new_prefix


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _module(i: int, stage: Stage) -> str:
    return f"s{i:02d}_{stage.slug}"


def render(ladder: Ladder) -> dict[str, str]:
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
    files["task.toml"] = _task_toml(ladder)
    return files


def _task_toml(ladder: Ladder) -> str:
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


def generate(length: int, seed: int, out: Path | str, force: bool = False) -> Path:
    """Write the ladder task of ``length`` steps for ``seed`` into ``out``.

    Raises:
        ConfigError: length or seed out of range, or ``out`` exists, is not empty and
            ``force`` is not set.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise ConfigError(f"--out {out}: exists and is not empty (pass --force to replace it)")
    files = render(build(length, seed))
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
