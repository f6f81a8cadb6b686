"""Stage 5: discount weight_kg.

Reduce each record's `weight_kg` by 15 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["weight_kg"] = round(record["weight_kg"] - 15, 2)
        out.append(record)
    return out
