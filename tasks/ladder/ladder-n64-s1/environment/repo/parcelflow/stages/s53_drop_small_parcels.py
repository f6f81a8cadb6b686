"""Stage 53: drop records with few parcels.

Keep only the records whose `parcels` is at least 17; keep their order.
"""


def apply(records):
    return [record for record in records if record["parcels"] > 17]
