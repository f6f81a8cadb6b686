"""Stage 11: scale fare.

Multiply each record's `fare` by 1.2 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = round(record["fare"] * 1.2, 1)
        out.append(record)
    return out
