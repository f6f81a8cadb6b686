"""Stage 54: sort by fare.

Order the records by `fare`, largest first; records with equal `fare` go in
ascending `flight_id`.
"""


def apply(records):
    return sorted(records, key=lambda record: (record["fare"], record["flight_id"]))
