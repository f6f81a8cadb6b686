"""The flight pipeline: stages run in order, each on the previous one's output."""

from flightlog.stages import (
    s01_dedupe_flight_id,
)

STAGES = [
    s01_dedupe_flight_id,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
