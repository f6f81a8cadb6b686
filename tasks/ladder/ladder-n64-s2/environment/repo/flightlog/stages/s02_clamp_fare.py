"""Stage 2: clamp fare.

Clamp each record's `fare` into the range [53.2, 436.33]: values below 53.2 become 53.2,
values above 436.33 become 436.33.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = min(max(record["fare"], 436.33), 53.2)
        out.append(record)
    return out
