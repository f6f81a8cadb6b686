"""Stage 52: adjust seats.

Add 2 to each record's `seats`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = record["seats"] * 2
        out.append(record)
    return out
