"""Stage 6: drop records with few minutes.

Keep only the records whose `minutes` is at least 7; keep their order.
"""


def apply(records):
    return [record for record in records if record["minutes"] > 7]
