"""Stage 44: clamp weight_kg.

Clamp each record's `weight_kg` into the range [60.98, 293.17]: values below 60.98 become 60.98,
values above 293.17 become 293.17.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = min(max(record["weight_kg"], 293.17), 60.98)
        out.append(record)
    return out
