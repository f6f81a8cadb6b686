"""Stage 35: clamp fare.

Clamp each record's `fare` into the range [34.87, 285.92]: values below 34.87 become 34.87,
values above 285.92 become 285.92.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = min(max(record["fare"], 285.92), 34.87)
        out.append(record)
    return out
