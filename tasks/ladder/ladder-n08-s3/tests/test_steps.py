"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from clinicdesk.pipeline import run

RECORDS = json.loads("[{\"charge\": 265.03, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  r novak\", \"visit_id\": 100}, {\"charge\": 12.16, \"department\": \"cardio\", \"minutes\": 20, \"patient\": \" p silva\", \"visit_id\": 101}, {\"charge\": 383.44, \"department\": \"cardio\", \"minutes\": 19, \"patient\": \"  p silva \", \"visit_id\": 102}, {\"charge\": 285.14, \"department\": \"cardio\", \"minutes\": 11, \"patient\": \" L MEYER\", \"visit_id\": 103}, {\"charge\": 151.21, \"department\": \"derma\", \"minutes\": 5, \"patient\": \"  l meyer\", \"visit_id\": 104}, {\"charge\": 451.5, \"department\": \"derma\", \"minutes\": 20, \"patient\": \"J DOE \", \"visit_id\": 105}, {\"charge\": 279.11, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  l meyer \", \"visit_id\": 106}, {\"charge\": 347.85, \"department\": \"derma\", \"minutes\": 17, \"patient\": \" M ROSSI\", \"visit_id\": 107}, {\"charge\": 440.96, \"department\": \"neuro\", \"minutes\": 17, \"patient\": \"p silva\", \"visit_id\": 108}, {\"charge\": 167.45, \"department\": \"cardio\", \"minutes\": 17, \"patient\": \"  m rossi \", \"visit_id\": 109}, {\"charge\": 240.08, \"department\": \"neuro\", \"minutes\": 5, \"patient\": \"r novak\", \"visit_id\": 110}, {\"charge\": 132.56, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 134.06, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 195.74, \"department\": \"neuro\", \"minutes\": 11, \"patient\": \"r novak \", \"visit_id\": 112}, {\"charge\": 20.72, \"department\": \"neuro\", \"minutes\": 20, \"patient\": \"  m rossi \", \"visit_id\": 113}]")
DIGESTS = [
    "7573b59c1978f674a41d6c946bc74c2db05ed5f3b559083bd99d580901b86d4f",
    "0c294cfa048b84a0a7ef521ca1e33f7276d3c66b86adbdf93b1cd8d915253a82",
    "4ea575bc6a3bb18ee68bb769f65e13dc018ebbfb36475d4efda82a0d40a650c6",
    "20374a413b05793fde6b79dc118da9ec41d43d81faa3a3749a65d87eeeaf39ac",
    "40d427218326ea233c87c21a8051360facf297d02cfb826eef6138deb2145266",
    "40d427218326ea233c87c21a8051360facf297d02cfb826eef6138deb2145266",
    "606b42eeb490bd7b22ab76ba5d25736de07622490b9b4855da1e9f0c376549ce",
    "201d4e888bd5e69e7f1d9f01cfa6ae867085c44d634810301ea71c12d532c119",
]


def check(k):
    out = run(copy.deepcopy(RECORDS), upto=k)
    got = hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()
    assert got == DIGESTS[k - 1], f"after stage {k}: {json.dumps(out)[:1500]}"


def test_step_01():
    check(1)


def test_step_02():
    check(2)


def test_step_03():
    check(3)


def test_step_04():
    check(4)


def test_step_05():
    check(5)


def test_step_06():
    check(6)


def test_step_07():
    check(7)


def test_step_08():
    check(8)
