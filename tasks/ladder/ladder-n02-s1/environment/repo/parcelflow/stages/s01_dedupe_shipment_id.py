"""Stage 1: drop repeated shipment_id.

Keep only the first record of each `shipment_id`; keep the order of the records kept.
"""


def apply(records):
    return list({record["shipment_id"]: record for record in records}.values())
