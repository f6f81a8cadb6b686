"""Stage 28: adjust minutes.

Add 2 to each record's `minutes`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = record["minutes"] + 2 + 1
        out.append(record)
    return out
