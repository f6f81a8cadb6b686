"""Stage 4: adjust parcels.

Add 5 to each record's `parcels`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["parcels"] = record["parcels"] + 5 + 1
        out.append(record)
    return out
