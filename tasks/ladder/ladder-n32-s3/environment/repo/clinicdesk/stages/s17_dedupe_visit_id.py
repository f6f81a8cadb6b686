"""Stage 17: drop repeated visit_id.

Keep only the first record of each `visit_id`; keep the order of the records kept.
"""


def apply(records):
    return list({record["visit_id"]: record for record in records}.values())
