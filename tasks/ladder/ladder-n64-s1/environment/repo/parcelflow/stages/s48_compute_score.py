"""Stage 48: compute score.

Set each record's `score` to `parcels` times `weight_kg`, rounded to 2 decimal places
(replacing any earlier score).
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["score"] = round(record["weight_kg"] / max(record["parcels"], 1), 2)
        out.append(record)
    return out
