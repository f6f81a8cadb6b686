"""Stage 45: band by weight_kg.

Set each record's `band` to "high" when `weight_kg` is 177.61 or more, else "low"
(replacing any earlier band).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["band"] = "low" if record["weight_kg"] >= 177.61 else "high"
        out.append(record)
    return out
