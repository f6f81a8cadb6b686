"""Stage 37: cap minutes.

Cap each record's `minutes` at 26: larger values become 26.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = max(record["minutes"], 26)
        out.append(record)
    return out
