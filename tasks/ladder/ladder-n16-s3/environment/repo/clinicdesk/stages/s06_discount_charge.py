"""Stage 6: discount charge.

Reduce each record's `charge` by 12 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = round(record["charge"] * 12 / 100, 2)
        out.append(record)
    return out
