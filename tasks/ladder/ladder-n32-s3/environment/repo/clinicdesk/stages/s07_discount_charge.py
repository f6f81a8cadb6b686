"""Stage 7: discount charge.

Reduce each record's `charge` by 20 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = round(record["charge"] * 20 / 100, 2)
        out.append(record)
    return out
