"""Stage 31: scale charge.

Multiply each record's `charge` by 1.25 and round the result to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = round(record["charge"] * 1.25, 1)
        out.append(record)
    return out
