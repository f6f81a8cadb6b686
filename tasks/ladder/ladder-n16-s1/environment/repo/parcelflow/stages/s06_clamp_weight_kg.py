"""Stage 6: clamp weight_kg.

Clamp each record's `weight_kg` into the range [73.75, 354.59]: values below 73.75 become 73.75,
values above 354.59 become 354.59.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = max(record["weight_kg"], 73.75)
        out.append(record)
    return out
