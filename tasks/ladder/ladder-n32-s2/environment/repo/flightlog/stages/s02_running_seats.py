"""Stage 2: running total of seats.

Set each record's `running_seats` to the sum of `seats` over this record and every
record before it, in the current order.
"""


def apply(records):
    total = 0
    out = []
    for record in records:
        record = dict(record)
        record["running_seats"] = total
        total += record["seats"]
        out.append(record)
    return out
