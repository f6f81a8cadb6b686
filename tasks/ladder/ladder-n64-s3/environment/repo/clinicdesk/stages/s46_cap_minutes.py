"""Stage 46: cap minutes.

Cap each record's `minutes` at 38: larger values become 38.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = max(record["minutes"], 38)
        out.append(record)
    return out
