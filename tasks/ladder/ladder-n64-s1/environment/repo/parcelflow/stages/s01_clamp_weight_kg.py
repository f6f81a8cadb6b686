"""Stage 1: clamp weight_kg.

Clamp each record's `weight_kg` into the range [91.04, 437.77]: values below 91.04 become 91.04,
values above 437.77 become 437.77.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = min(record["weight_kg"], 437.77)
        out.append(record)
    return out
