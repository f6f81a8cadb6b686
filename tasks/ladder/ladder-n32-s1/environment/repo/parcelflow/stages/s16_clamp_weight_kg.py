"""Stage 16: clamp weight_kg.

Clamp each record's `weight_kg` into the range [82.71, 397.69]: values below 82.71 become 82.71,
values above 397.69 become 397.69.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = min(max(record["weight_kg"], 397.69), 82.71)
        out.append(record)
    return out
