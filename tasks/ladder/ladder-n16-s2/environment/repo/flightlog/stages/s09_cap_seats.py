"""Stage 9: cap seats.

Cap each record's `seats` at 13: larger values become 13.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = max(record["seats"], 13)
        out.append(record)
    return out
