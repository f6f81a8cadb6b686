"""Stage 55: band by fare.

Set each record's `band` to "high" when `fare` is 66.57 or more, else "low"
(replacing any earlier band).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["band"] = "low" if record["fare"] >= 66.57 else "high"
        out.append(record)
    return out
