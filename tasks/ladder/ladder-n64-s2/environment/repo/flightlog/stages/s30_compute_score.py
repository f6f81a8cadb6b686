"""Stage 30: compute score.

Set each record's `score` to `seats` times `fare`, rounded to 2 decimal places
(replacing any earlier score).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["score"] = round(record["fare"] / max(record["seats"], 1), 2)
        out.append(record)
    return out
