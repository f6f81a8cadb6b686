"""Stage 2: clamp charge.

Clamp each record's `charge` into the range [134.06, 347.85]: values below 134.06 become 134.06,
values above 347.85 become 347.85.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = max(record["charge"], 134.06)
        out.append(record)
    return out
