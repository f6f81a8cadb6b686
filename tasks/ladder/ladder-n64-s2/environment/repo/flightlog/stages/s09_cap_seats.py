"""Stage 9: cap seats.

Cap each record's `seats` at 15: larger values become 15.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = max(record["seats"], 15)
        out.append(record)
    return out
