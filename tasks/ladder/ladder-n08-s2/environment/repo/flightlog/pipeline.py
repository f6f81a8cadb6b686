"""The flight pipeline: stages run in order, each on the previous one's output."""

from flightlog.stages import (
    s01_compute_score,
    s02_band_fare,
    s03_scale_fare,
    s04_sort_by_airline,
    s05_discount_fare,
    s06_compute_score,
    s07_band_fare,
    s08_adjust_seats,
)

STAGES = [
    s01_compute_score,
    s02_band_fare,
    s03_scale_fare,
    s04_sort_by_airline,
    s05_discount_fare,
    s06_compute_score,
    s07_band_fare,
    s08_adjust_seats,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
