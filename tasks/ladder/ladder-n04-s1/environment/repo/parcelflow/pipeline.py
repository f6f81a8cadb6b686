"""The shipment pipeline: stages run in order, each on the previous one's output."""

from parcelflow.stages import (
    s01_drop_small_parcels,
    s02_scale_weight_kg,
    s03_running_parcels,
    s04_adjust_parcels,
)

STAGES = [
    s01_drop_small_parcels,
    s02_scale_weight_kg,
    s03_running_parcels,
    s04_adjust_parcels,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
