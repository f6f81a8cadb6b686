"""The clinic visit pipeline: stages run in order, each on the previous one's output."""

from clinicdesk.stages import (
    s01_scale_charge,
)

STAGES = [
    s01_scale_charge,
]


def run(records, upto=None):
    """Run the first ``upto`` stages (all by default) on ``records``."""
    for stage in STAGES[:upto]:
        records = stage.apply(records)
    return records
