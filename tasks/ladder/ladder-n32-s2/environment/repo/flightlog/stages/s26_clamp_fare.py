"""Stage 26: clamp fare.

Clamp each record's `fare` into the range [37.58, 308.29]: values below 37.58 become 37.58,
values above 308.29 become 308.29.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = min(max(record["fare"], 308.29), 37.58)
        out.append(record)
    return out
