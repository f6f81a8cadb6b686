"""The shipment pipeline: stages run in order, each on the previous one's output."""

from parcelflow.stages import (
    s01_running_parcels,
)

STAGES = [
    s01_running_parcels,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
