"""Stage 24: cap parcels.

Cap each record's `parcels` at 22: larger values become 22.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["parcels"] = max(record["parcels"], 22)
        out.append(record)
    return out
