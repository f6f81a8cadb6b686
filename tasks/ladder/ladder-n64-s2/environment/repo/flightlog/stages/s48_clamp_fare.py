"""Stage 48: clamp fare.

Clamp each record's `fare` into the range [20.08, 164.69]: values below 20.08 become 20.08,
values above 164.69 become 164.69.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = min(max(record["fare"], 164.69), 20.08)
        out.append(record)
    return out
