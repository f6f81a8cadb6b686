"""Stage 49: scale weight_kg.

Multiply each record's `weight_kg` by 0.9 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = int(record["weight_kg"] * 0.9)
        out.append(record)
    return out
