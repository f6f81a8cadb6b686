"""Stage 2: normalize patient.

Strip surrounding white space from each record's `patient` and put it in title case
("  north mill" becomes "North Mill").
"""


def apply(records):
    out = []
    for record in records:
        record = dict(record)
        record["patient"] = record["patient"].strip().upper()
        out.append(record)
    return out
