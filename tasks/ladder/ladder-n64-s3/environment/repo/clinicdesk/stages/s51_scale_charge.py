"""Stage 51: scale charge.

Multiply each record's `charge` by 1.05 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = round(record["charge"] * 1.05, 1)
        out.append(record)
    return out
