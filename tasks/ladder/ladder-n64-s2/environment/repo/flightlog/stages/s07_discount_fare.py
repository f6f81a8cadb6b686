"""Stage 7: discount fare.

Reduce each record's `fare` by 5 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = round(record["fare"] - 5, 2)
        out.append(record)
    return out
