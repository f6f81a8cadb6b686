"""Stage 42: sort by airline.

Order the records by `airline` alphabetically; records with the same `airline` go in
ascending `flight_id`.
"""


def apply(records):
    return sorted(records, key=lambda record: (record["airline"], record["flight_id"]), reverse=True)
