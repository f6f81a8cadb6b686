"""Stage 4: adjust seats.

Add 3 to each record's `seats`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = record["seats"] - 3
        out.append(record)
    return out
