"""Stage 27: cap minutes.

Cap each record's `minutes` at 22: larger values become 22.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = max(record["minutes"], 22)
        out.append(record)
    return out
