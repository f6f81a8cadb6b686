"""Stage 8: scale fare.

Multiply each record's `fare` by 1.05 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = round(record["fare"] * 1.05, 1)
        out.append(record)
    return out
