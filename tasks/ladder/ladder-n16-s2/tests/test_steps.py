"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from flightlog.pipeline import run

RECORDS = json.loads("[{\"airline\": \"klm\", \"fare\": 478.17, \"flight_id\": 100, \"origin\": \" bari \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 396.66, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"lot\", \"fare\": 19.88, \"flight_id\": 101, \"origin\": \"  malaga\", \"seats\": 5}, {\"airline\": \"klm\", \"fare\": 141.11, \"flight_id\": 102, \"origin\": \" porto\", \"seats\": 9}, {\"airline\": \"tap\", \"fare\": 395.16, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"klm\", \"fare\": 88.97, \"flight_id\": 104, \"origin\": \" krakow \", \"seats\": 2}, {\"airline\": \"tap\", \"fare\": 222.7, \"flight_id\": 105, \"origin\": \" riga \", \"seats\": 15}, {\"airline\": \"klm\", \"fare\": 48.36, \"flight_id\": 106, \"origin\": \"  bergen \", \"seats\": 4}, {\"airline\": \"lot\", \"fare\": 435.42, \"flight_id\": 107, \"origin\": \"  riga \", \"seats\": 7}, {\"airline\": \"lot\", \"fare\": 5.85, \"flight_id\": 108, \"origin\": \"  BARI\", \"seats\": 7}, {\"airline\": \"sas\", \"fare\": 456.07, \"flight_id\": 109, \"origin\": \" krakow\", \"seats\": 16}, {\"airline\": \"sas\", \"fare\": 148.08, \"flight_id\": 110, \"origin\": \"  krakow\", \"seats\": 6}, {\"airline\": \"tap\", \"fare\": 278.67, \"flight_id\": 111, \"origin\": \"malaga \", \"seats\": 13}, {\"airline\": \"sas\", \"fare\": 283.47, \"flight_id\": 112, \"origin\": \" BARI \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 41.05, \"flight_id\": 113, \"origin\": \"  malaga \", \"seats\": 19}]")
DIGESTS = [
    "dbcf39fc34170b990d8319fa10cb523f6fbbe39dc872c3f82da07d28bbeecd7b",
    "3bc7250ff5434f64471b94fbbe3dc3101ba029a6f017d40a55b39bd91577fed5",
    "0ff25c4f36330d7edca3589b40785a0f15fa6450c730ef0b71ed0722b02ea53e",
    "76f5f98dc1335e9d09882a2ec6966f06430100eafdf73ba65a5b0aa84bab35d8",
    "797ffe69dc0fbeeddd56be8d3476c304f8fbf1f97304dcb14d0026ad1d9328bb",
    "1433ead9b747a4cbf5bb723418d28a7089338aa69eac66f7940b7446e978373e",
    "b1e1bd06ce30425f49c4d2e5440f1ca383f589b058c824318b084d8260936bb7",
    "6773fdf7981a6e22cf84afd0c9ed7fe0f0cabfe6defc81aa427fa44162bd208d",
    "fb2eac78a229b0b1c779e53a60390038dba1d1acb49345236495ad0bcf4737cb",
    "695a98bc1becb3fbf58bd81ea646a31476cc699b0e8206c632d0a8f59e3ce705",
    "294c61b970231b03d2fcb2464e4e14c16e91bc615baf40cc381bb6050d67c526",
    "a847ce3a430ee07c1df99a657e52104dcff5fd810690290df904c2ae1d62d2df",
    "c93aa2013aa548ef2fc5daa340a20911205d9330d62c1d2060d306096f8423a7",
    "4b19ee2adb05d44f726bcfe17cb7a66683f157659b61e6ed9193177566754327",
    "7046eb70ea83161f3855adff03621705aecc67a26c2228b9c3c31b84043c080c",
    "72f7a526103e92a6f792be2119a137a666c14929074a7943ba45ec1e0e5d230b",
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


def test_step_09():
    check(9)


def test_step_10():
    check(10)


def test_step_11():
    check(11)


def test_step_12():
    check(12)


def test_step_13():
    check(13)


def test_step_14():
    check(14)


def test_step_15():
    check(15)


def test_step_16():
    check(16)
