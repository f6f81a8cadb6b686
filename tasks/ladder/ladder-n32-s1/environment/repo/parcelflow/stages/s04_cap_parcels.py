"""Stage 4: cap parcels.

Cap each record's `parcels` at 18: larger values become 18.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["parcels"] = max(record["parcels"], 18)
        out.append(record)
    return out
