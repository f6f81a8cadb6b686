"""The shipment pipeline: stages run in order, each on the previous one's output."""

from parcelflow.stages import (
    s01_dedupe_shipment_id,
    s02_band_weight_kg,
)

STAGES = [
    s01_dedupe_shipment_id,
    s02_band_weight_kg,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
