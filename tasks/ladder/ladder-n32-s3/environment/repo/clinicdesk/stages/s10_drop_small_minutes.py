"""Stage 10: drop records with few minutes.

Keep only the records whose `minutes` is at least 8; keep their order.
"""


def apply(records):
    return [record for record in records if record["minutes"] > 8]
