"""Stage 20: normalize destination.

Strip surrounding white space from each record's `destination` and put it in title case
("  north mill" becomes "North Mill").
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["destination"] = record["destination"].strip().upper()
        out.append(record)
    return out
