"""Stage 25: discount charge.

Reduce each record's `charge` by 5 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = round(record["charge"] * 5 / 100, 2)
        out.append(record)
    return out
