"""Stage 7: clamp fare.

Clamp each record's `fare` into the range [36.18, 296.7]: values below 36.18 become 36.18,
values above 296.7 become 296.7.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["fare"] = min(max(record["fare"], 296.7), 36.18)
        out.append(record)
    return out
