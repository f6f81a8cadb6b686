"""The shipment pipeline: stages run in order, each on the previous one's output."""

from parcelflow.stages import (
    s01_sort_by_weight_kg,
    s02_adjust_parcels,
    s03_scale_weight_kg,
    s04_adjust_parcels,
    s05_compute_score,
    s06_running_parcels,
    s07_adjust_parcels,
    s08_running_parcels,
)

STAGES = [
    s01_sort_by_weight_kg,
    s02_adjust_parcels,
    s03_scale_weight_kg,
    s04_adjust_parcels,
    s05_compute_score,
    s06_running_parcels,
    s07_adjust_parcels,
    s08_running_parcels,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
