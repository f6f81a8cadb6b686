"""Stage 44: cap minutes.

Cap each record's `minutes` at 34: larger values become 34.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = max(record["minutes"], 34)
        out.append(record)
    return out
