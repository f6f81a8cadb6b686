"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from flightlog.pipeline import run

RECORDS = json.loads("[{\"airline\": \"klm\", \"fare\": 478.17, \"flight_id\": 100, \"origin\": \" bari \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 396.66, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"lot\", \"fare\": 19.88, \"flight_id\": 101, \"origin\": \"  malaga\", \"seats\": 5}, {\"airline\": \"klm\", \"fare\": 141.11, \"flight_id\": 102, \"origin\": \" porto\", \"seats\": 9}, {\"airline\": \"tap\", \"fare\": 395.16, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"klm\", \"fare\": 88.97, \"flight_id\": 104, \"origin\": \" krakow \", \"seats\": 2}, {\"airline\": \"tap\", \"fare\": 222.7, \"flight_id\": 105, \"origin\": \" riga \", \"seats\": 15}, {\"airline\": \"klm\", \"fare\": 48.36, \"flight_id\": 106, \"origin\": \"  bergen \", \"seats\": 4}, {\"airline\": \"lot\", \"fare\": 435.42, \"flight_id\": 107, \"origin\": \"  riga \", \"seats\": 7}, {\"airline\": \"lot\", \"fare\": 5.85, \"flight_id\": 108, \"origin\": \"  BARI\", \"seats\": 7}, {\"airline\": \"sas\", \"fare\": 456.07, \"flight_id\": 109, \"origin\": \" krakow\", \"seats\": 16}, {\"airline\": \"sas\", \"fare\": 148.08, \"flight_id\": 110, \"origin\": \"  krakow\", \"seats\": 6}, {\"airline\": \"tap\", \"fare\": 278.67, \"flight_id\": 111, \"origin\": \"malaga \", \"seats\": 13}, {\"airline\": \"sas\", \"fare\": 283.47, \"flight_id\": 112, \"origin\": \" BARI \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 41.05, \"flight_id\": 113, \"origin\": \"  malaga \", \"seats\": 19}]")
DIGESTS = [
    "d3bd557b42ee2ec6f8273b92c1e8c945f3364b11a53bbb37e451bcf4631b06ec",
    "c8757b2014a3993b3032db888e71bddb4b387c25054ea6832839dea55e7f999b",
    "c9fa1134450d217b841d34e4f947784e09cc47f4e8190ebe171fd1864ff9f416",
    "de68b1942eefe13423a50d701b4ad854f77eb35b2200721392b438f5739c0752",
    "65fbff2ae7e397f391df692fd503fcb8f867b58761de060bf95539c538e87380",
    "af83b492c9e6286ded84b6005869eeb4e596b56a1bd517929c18496590f9797e",
    "af83b492c9e6286ded84b6005869eeb4e596b56a1bd517929c18496590f9797e",
    "13087788347289e465e9915a9997a8f3e39973bd5206f0fba8e7e9d8c56adf91",
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
