"""Stage 61: discount weight_kg.

Reduce each record's `weight_kg` by 12 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = round(record["weight_kg"] * 12 / 100, 2)
        out.append(record)
    return out
