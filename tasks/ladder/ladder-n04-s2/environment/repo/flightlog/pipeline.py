"""The flight pipeline: stages run in order, each on the previous one's output."""

from flightlog.stages import (
    s01_discount_fare,
    s02_scale_fare,
    s03_running_seats,
    s04_normalize_origin,
)

STAGES = [
    s01_discount_fare,
    s02_scale_fare,
    s03_running_seats,
    s04_normalize_origin,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
