"""Stage 8: adjust minutes.

Add 4 to each record's `minutes`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = record["minutes"] - 4
        out.append(record)
    return out
