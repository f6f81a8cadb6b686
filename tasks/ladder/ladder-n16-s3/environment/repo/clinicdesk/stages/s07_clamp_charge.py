"""Stage 7: clamp charge.

Clamp each record's `charge` into the range [95.27, 247.18]: values below 95.27 become 95.27,
values above 247.18 become 247.18.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = max(record["charge"], 95.27)
        out.append(record)
    return out
