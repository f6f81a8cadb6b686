"""Stage 8: clamp fare.

Clamp each record's `fare` into the range [46.82, 383.97]: values below 46.82 become 46.82,
values above 383.97 become 383.97.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = max(record["fare"], 46.82)
        out.append(record)
    return out
