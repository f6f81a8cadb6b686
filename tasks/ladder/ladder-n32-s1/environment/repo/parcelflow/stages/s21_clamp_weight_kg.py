"""Stage 21: clamp weight_kg.

Clamp each record's `weight_kg` into the range [65.51, 314.97]: values below 65.51 become 65.51,
values above 314.97 become 314.97.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = min(max(record["weight_kg"], 314.97), 65.51)
        out.append(record)
    return out
