"""Stage 13: scale charge.

Multiply each record's `charge` by 0.95 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = int(record["charge"] * 0.95)
        out.append(record)
    return out
