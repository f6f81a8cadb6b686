"""Stage 62: cap minutes.

Cap each record's `minutes` at 44: larger values become 44.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["minutes"] = max(record["minutes"], 44)
        out.append(record)
    return out
