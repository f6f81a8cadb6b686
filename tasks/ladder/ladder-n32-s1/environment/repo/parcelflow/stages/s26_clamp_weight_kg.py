"""Stage 26: clamp weight_kg.

Clamp each record's `weight_kg` into the range [74.68, 359.06]: values below 74.68 become 74.68,
values above 359.06 become 359.06.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = min(max(record["weight_kg"], 359.06), 74.68)
        out.append(record)
    return out
