"""Stage 20: sort by weight_kg.

Order the records by `weight_kg`, largest first; records with equal `weight_kg` go in
ascending `shipment_id`.
"""


def apply(records):
    return sorted(records, key=lambda record: (record["weight_kg"], record["shipment_id"]))
