"""The kinds of stage a ladder is built from: each a specification, its correct code and one defect."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
