"""Stage 25: adjust parcels.

Add 3 to each record's `parcels`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["parcels"] = record["parcels"] + 3 + 1
        out.append(record)
    return out
