"""Stage 22: band by charge.

Set each record's `band` to "high" when `charge` is 179.13 or more, else "low"
(replacing any earlier band).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["band"] = "low" if record["charge"] >= 179.13 else "high"
        out.append(record)
    return out
