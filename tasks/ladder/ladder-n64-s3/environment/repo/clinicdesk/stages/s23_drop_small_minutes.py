"""Stage 23: drop records with few minutes.

Keep only the records whose `minutes` is at least 9; keep their order.
"""


def apply(records):
    return [record for record in records if record["minutes"] > 9]
