"""Stage 16: drop repeated flight_id.

Keep only the first record of each `flight_id`; keep the order of the records kept.
"""


def apply(records):
    return list({record["flight_id"]: record for record in records}.values())
