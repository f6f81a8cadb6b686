"""The flight pipeline: stages run in order, each on the previous one's output."""

from flightlog.stages import (
    s01_adjust_seats,
    s02_discount_fare,
    s03_scale_fare,
    s04_adjust_seats,
    s05_compute_score,
    s06_scale_fare,
    s07_clamp_fare,
    s08_scale_fare,
    s09_cap_seats,
    s10_compute_score,
    s11_scale_fare,
    s12_discount_fare,
    s13_sort_by_fare,
    s14_adjust_seats,
    s15_compute_score,
    s16_running_seats,
)

STAGES = [
    s01_adjust_seats,
    s02_discount_fare,
    s03_scale_fare,
    s04_adjust_seats,
    s05_compute_score,
    s06_scale_fare,
    s07_clamp_fare,
    s08_scale_fare,
    s09_cap_seats,
    s10_compute_score,
    s11_scale_fare,
    s12_discount_fare,
    s13_sort_by_fare,
    s14_adjust_seats,
    s15_compute_score,
    s16_running_seats,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
