"""Stage 16: cap seats.

Cap each record's `seats` at 16: larger values become 16.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = max(record["seats"], 16)
        out.append(record)
    return out
