"""Stage 19: running total of minutes.

Set each record's `running_minutes` to the sum of `minutes` over this record and every
record before it, in the current order.
"""


def apply(records):
    total = 0
    out = []
    for record in records:
        record = dict(record)
        record["running_minutes"] = total
        total += record["minutes"]
        out.append(record)
    return out
