"""Stage 9: clamp charge.

Clamp each record's `charge` into the range [140.1, 363.51]: values below 140.1 become 140.1,
values above 363.51 become 363.51.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = min(max(record["charge"], 363.51), 140.1)
        out.append(record)
    return out
