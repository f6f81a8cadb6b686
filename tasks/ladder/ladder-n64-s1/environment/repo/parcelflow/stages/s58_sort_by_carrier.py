"""Stage 58: sort by carrier.

Order the records by `carrier` alphabetically; records with the same `carrier` go in
ascending `shipment_id`.
"""


def apply(records):
    return sorted(records, key=lambda record: (record["carrier"], record["shipment_id"]), reverse=True)
