"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from flightlog.pipeline import run

RECORDS = json.loads("[{\"airline\": \"klm\", \"fare\": 478.17, \"flight_id\": 100, \"origin\": \" bari \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 396.66, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"lot\", \"fare\": 19.88, \"flight_id\": 101, \"origin\": \"  malaga\", \"seats\": 5}, {\"airline\": \"klm\", \"fare\": 141.11, \"flight_id\": 102, \"origin\": \" porto\", \"seats\": 9}, {\"airline\": \"tap\", \"fare\": 395.16, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"klm\", \"fare\": 88.97, \"flight_id\": 104, \"origin\": \" krakow \", \"seats\": 2}, {\"airline\": \"tap\", \"fare\": 222.7, \"flight_id\": 105, \"origin\": \" riga \", \"seats\": 15}, {\"airline\": \"klm\", \"fare\": 48.36, \"flight_id\": 106, \"origin\": \"  bergen \", \"seats\": 4}, {\"airline\": \"lot\", \"fare\": 435.42, \"flight_id\": 107, \"origin\": \"  riga \", \"seats\": 7}, {\"airline\": \"lot\", \"fare\": 5.85, \"flight_id\": 108, \"origin\": \"  BARI\", \"seats\": 7}, {\"airline\": \"sas\", \"fare\": 456.07, \"flight_id\": 109, \"origin\": \" krakow\", \"seats\": 16}, {\"airline\": \"sas\", \"fare\": 148.08, \"flight_id\": 110, \"origin\": \"  krakow\", \"seats\": 6}, {\"airline\": \"tap\", \"fare\": 278.67, \"flight_id\": 111, \"origin\": \"malaga \", \"seats\": 13}, {\"airline\": \"sas\", \"fare\": 283.47, \"flight_id\": 112, \"origin\": \" BARI \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 41.05, \"flight_id\": 113, \"origin\": \"  malaga \", \"seats\": 19}]")
DIGESTS = [
    "9ba04c956d236b757c4bd4714b8d255bf32c2b0d549ee25cfc1860240ff9aa4e",
]


def check(k):
    out = run(copy.deepcopy(RECORDS), upto=k)
    got = hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()
    assert got == DIGESTS[k - 1], f"after stage {k}: {json.dumps(out)[:1500]}"


def test_step_01():
    check(1)
