"""Picking and verifying a ladder's chain of stages, seeded and pure (no files written)."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from horizonbench.errors import ConfigError
from horizonbench.tasks.ladder.stages import DOMAINS, KINDS, MAX_LENGTH, Domain, Records, Stage


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
