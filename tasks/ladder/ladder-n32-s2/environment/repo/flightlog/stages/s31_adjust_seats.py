"""Stage 31: adjust seats.

Add 5 to each record's `seats`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = record["seats"] * 5
        out.append(record)
    return out
