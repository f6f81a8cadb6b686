"""The clinic visit pipeline: stages run in order, each on the previous one's output."""

from clinicdesk.stages import (
    s01_sort_by_department,
    s02_discount_charge,
    s03_band_charge,
    s04_discount_charge,
    s05_sort_by_charge,
    s06_discount_charge,
    s07_clamp_charge,
    s08_adjust_minutes,
    s09_discount_charge,
    s10_compute_score,
    s11_discount_charge,
    s12_running_minutes,
    s13_scale_charge,
    s14_compute_score,
    s15_scale_charge,
    s16_discount_charge,
)

STAGES = [
    s01_sort_by_department,
    s02_discount_charge,
    s03_band_charge,
    s04_discount_charge,
    s05_sort_by_charge,
    s06_discount_charge,
    s07_clamp_charge,
    s08_adjust_minutes,
    s09_discount_charge,
    s10_compute_score,
    s11_discount_charge,
    s12_running_minutes,
    s13_scale_charge,
    s14_compute_score,
    s15_scale_charge,
    s16_discount_charge,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
