"""Stage 52: adjust minutes.

Add 3 to each record's `minutes`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = record["minutes"] + 3 + 1
        out.append(record)
    return out
