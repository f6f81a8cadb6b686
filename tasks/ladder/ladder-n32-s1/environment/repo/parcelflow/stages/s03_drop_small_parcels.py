"""Stage 3: drop records with few parcels.

Keep only the records whose `parcels` is at least 7; keep their order.
"""


def apply(records):
    return [record for record in records if record["parcels"] > 7]
