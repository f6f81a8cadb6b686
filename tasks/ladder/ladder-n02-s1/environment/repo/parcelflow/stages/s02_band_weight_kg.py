"""Stage 2: band by weight_kg.

Set each record's `band` to "high" when `weight_kg` is 263.69 or more, else "low"
(replacing any earlier band).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["band"] = "low" if record["weight_kg"] >= 263.69 else "high"
        out.append(record)
    return out
