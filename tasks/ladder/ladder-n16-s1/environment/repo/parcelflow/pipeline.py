"""The shipment pipeline: stages run in order, each on the previous one's output."""

from parcelflow.stages import (
    s01_scale_weight_kg,
    s02_discount_weight_kg,
    s03_sort_by_weight_kg,
    s04_adjust_parcels,
    s05_running_parcels,
    s06_clamp_weight_kg,
    s07_compute_score,
    s08_scale_weight_kg,
    s09_sort_by_carrier,
    s10_dedupe_shipment_id,
    s11_discount_weight_kg,
    s12_sort_by_weight_kg,
    s13_scale_weight_kg,
    s14_running_parcels,
    s15_compute_score,
    s16_adjust_parcels,
)

STAGES = [
    s01_scale_weight_kg,
    s02_discount_weight_kg,
    s03_sort_by_weight_kg,
    s04_adjust_parcels,
    s05_running_parcels,
    s06_clamp_weight_kg,
    s07_compute_score,
    s08_scale_weight_kg,
    s09_sort_by_carrier,
    s10_dedupe_shipment_id,
    s11_discount_weight_kg,
    s12_sort_by_weight_kg,
    s13_scale_weight_kg,
    s14_running_parcels,
    s15_compute_score,
    s16_adjust_parcels,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
