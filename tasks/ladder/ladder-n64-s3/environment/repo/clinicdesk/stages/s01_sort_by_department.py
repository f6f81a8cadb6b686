"""Stage 1: sort by department.

Order the records by `department` alphabetically; records with the same `department` go in
ascending `visit_id`.
"""


def apply(records):
    return sorted(records, key=lambda record: (record["department"], record["visit_id"]), reverse=True)
