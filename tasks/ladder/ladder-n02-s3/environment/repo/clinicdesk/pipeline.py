"""The clinic visit pipeline: stages run in order, each on the previous one's output."""

from clinicdesk.stages import (
    s01_compute_score,
    s02_normalize_patient,
)

STAGES = [
    s01_compute_score,
    s02_normalize_patient,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
