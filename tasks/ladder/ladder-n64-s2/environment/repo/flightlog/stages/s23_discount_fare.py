"""Stage 23: discount fare.

Reduce each record's `fare` by 10 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = round(record["fare"] - 10, 2)
        out.append(record)
    return out
