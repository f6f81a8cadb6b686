"""Stage 12: band by weight_kg.

Set each record's `band` to "high" when `weight_kg` is 253.59 or more, else "low"
(replacing any earlier band).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["band"] = "low" if record["weight_kg"] >= 253.59 else "high"
        out.append(record)
    return out
