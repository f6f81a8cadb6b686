"""Stage 6: clamp weight_kg.

Clamp each record's `weight_kg` into the range [113.8, 547.21]: values below 113.8 become 113.8,
values above 547.21 become 547.21.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = min(max(record["weight_kg"], 547.21), 113.8)
        out.append(record)
    return out
