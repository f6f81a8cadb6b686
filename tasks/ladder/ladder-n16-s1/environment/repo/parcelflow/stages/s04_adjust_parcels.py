"""Stage 4: adjust parcels.

Add 2 to each record's `parcels`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["parcels"] = record["parcels"] - 2
        out.append(record)
    return out
