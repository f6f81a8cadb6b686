"""Stage 16: adjust parcels.

Add 4 to each record's `parcels`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["parcels"] = record["parcels"] * 4
        out.append(record)
    return out
