"""Stage 10: compute score.

Set each record's `score` to `minutes` times `charge`, rounded to 2 decimal places
(replacing any earlier score).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["score"] = round(record["minutes"] + record["charge"], 2)
        out.append(record)
    return out
