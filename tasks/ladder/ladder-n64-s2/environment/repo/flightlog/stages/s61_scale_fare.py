"""Stage 61: scale fare.

Multiply each record's `fare` by 0.8 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = round(record["fare"] * 0.8, 1)
        out.append(record)
    return out
