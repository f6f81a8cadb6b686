"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from clinicdesk.pipeline import run

RECORDS = json.loads("[{\"charge\": 265.03, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  r novak\", \"visit_id\": 100}, {\"charge\": 12.16, \"department\": \"cardio\", \"minutes\": 20, \"patient\": \" p silva\", \"visit_id\": 101}, {\"charge\": 383.44, \"department\": \"cardio\", \"minutes\": 19, \"patient\": \"  p silva \", \"visit_id\": 102}, {\"charge\": 285.14, \"department\": \"cardio\", \"minutes\": 11, \"patient\": \" L MEYER\", \"visit_id\": 103}, {\"charge\": 151.21, \"department\": \"derma\", \"minutes\": 5, \"patient\": \"  l meyer\", \"visit_id\": 104}, {\"charge\": 451.5, \"department\": \"derma\", \"minutes\": 20, \"patient\": \"J DOE \", \"visit_id\": 105}, {\"charge\": 279.11, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  l meyer \", \"visit_id\": 106}, {\"charge\": 347.85, \"department\": \"derma\", \"minutes\": 17, \"patient\": \" M ROSSI\", \"visit_id\": 107}, {\"charge\": 440.96, \"department\": \"neuro\", \"minutes\": 17, \"patient\": \"p silva\", \"visit_id\": 108}, {\"charge\": 167.45, \"department\": \"cardio\", \"minutes\": 17, \"patient\": \"  m rossi \", \"visit_id\": 109}, {\"charge\": 240.08, \"department\": \"neuro\", \"minutes\": 5, \"patient\": \"r novak\", \"visit_id\": 110}, {\"charge\": 132.56, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 134.06, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 195.74, \"department\": \"neuro\", \"minutes\": 11, \"patient\": \"r novak \", \"visit_id\": 112}, {\"charge\": 20.72, \"department\": \"neuro\", \"minutes\": 20, \"patient\": \"  m rossi \", \"visit_id\": 113}]")
DIGESTS = [
    "07674cc853a98521e8afceb04c19b0739a19f3f6b7e3d3c5c6a732ed412a4edc",
]


def check(k):
    out = run(copy.deepcopy(RECORDS), upto=k)
    got = hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()
    assert got == DIGESTS[k - 1], f"after stage {k}: {json.dumps(out)[:1500]}"


def test_step_01():
    check(1)
