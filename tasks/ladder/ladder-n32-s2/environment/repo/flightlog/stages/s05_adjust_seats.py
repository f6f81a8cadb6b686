"""Stage 5: adjust seats.

Add 4 to each record's `seats`.
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["seats"] = record["seats"] - 4
        out.append(record)
    return out
