"""Stage 5: sort by charge.

Order the records by `charge`, largest first; records with equal `charge` go in
ascending `visit_id`.
"""


def apply(records):
    return sorted(records, key=lambda record: (record["charge"], record["visit_id"]))
