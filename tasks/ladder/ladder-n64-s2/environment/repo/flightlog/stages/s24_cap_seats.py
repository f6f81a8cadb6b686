"""Stage 24: cap seats.

Cap each record's `seats` at 25: larger values become 25.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = max(record["seats"], 25)
        out.append(record)
    return out
