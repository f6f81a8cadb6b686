"""Stage 27: running total of parcels.

Set each record's `running_parcels` to the sum of `parcels` over this record and every
record before it, in the current order.
"""


def apply(records):
    total = 0
    out = []
    for record in records:
        record = dict(record)
        record["running_parcels"] = total
        total += record["parcels"]
        out.append(record)
    return out
