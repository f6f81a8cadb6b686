"""Stage 13: scale weight_kg.

Multiply each record's `weight_kg` by 1.25 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = round(record["weight_kg"] * 1.25, 1)
        out.append(record)
    return out
