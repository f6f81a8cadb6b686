"""The clinic visit pipeline: stages run in order, each on the previous one's output."""

from clinicdesk.stages import (
    s01_running_minutes,
    s02_clamp_charge,
    s03_compute_score,
    s04_scale_charge,
    s05_adjust_minutes,
    s06_drop_small_minutes,
    s07_adjust_minutes,
    s08_running_minutes,
)

STAGES = [
    s01_running_minutes,
    s02_clamp_charge,
    s03_compute_score,
    s04_scale_charge,
    s05_adjust_minutes,
    s06_drop_small_minutes,
    s07_adjust_minutes,
    s08_running_minutes,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
