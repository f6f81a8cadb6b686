"""Stage 39: adjust minutes.

Add 5 to each record's `minutes`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = record["minutes"] * 5
        out.append(record)
    return out
