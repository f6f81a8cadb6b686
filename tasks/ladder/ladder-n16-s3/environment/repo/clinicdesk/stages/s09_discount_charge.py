"""Stage 9: discount charge.

Reduce each record's `charge` by 10 percent, rounded to 2 decimal places.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["charge"] = round(record["charge"] - 10, 2)
        out.append(record)
    return out
