"""Stage 64: normalize origin.

Strip surrounding white space from each record's `origin` and put it in title case
("  north mill" becomes "North Mill").
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["origin"] = record["origin"].strip()
        out.append(record)
    return out
