"""Stage 24: band by charge.

Set each record's `band` to "high" when `charge` is 188.45 or more, else "low"
(replacing any earlier band).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["band"] = "low" if record["charge"] >= 188.45 else "high"
        out.append(record)
    return out
