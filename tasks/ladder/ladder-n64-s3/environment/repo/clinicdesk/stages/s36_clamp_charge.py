"""Stage 36: clamp charge.

Clamp each record's `charge` into the range [78.08, 202.6]: values below 78.08 become 78.08,
values above 202.6 become 202.6.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = min(max(record["charge"], 202.6), 78.08)
        out.append(record)
    return out
