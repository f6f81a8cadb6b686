"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from flightlog.pipeline import run

RECORDS = json.loads("[{\"airline\": \"klm\", \"fare\": 478.17, \"flight_id\": 100, \"origin\": \" bari \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 396.66, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"lot\", \"fare\": 19.88, \"flight_id\": 101, \"origin\": \"  malaga\", \"seats\": 5}, {\"airline\": \"klm\", \"fare\": 141.11, \"flight_id\": 102, \"origin\": \" porto\", \"seats\": 9}, {\"airline\": \"tap\", \"fare\": 395.16, \"flight_id\": 103, \"origin\": \"bari\", \"seats\": 11}, {\"airline\": \"klm\", \"fare\": 88.97, \"flight_id\": 104, \"origin\": \" krakow \", \"seats\": 2}, {\"airline\": \"tap\", \"fare\": 222.7, \"flight_id\": 105, \"origin\": \" riga \", \"seats\": 15}, {\"airline\": \"klm\", \"fare\": 48.36, \"flight_id\": 106, \"origin\": \"  bergen \", \"seats\": 4}, {\"airline\": \"lot\", \"fare\": 435.42, \"flight_id\": 107, \"origin\": \"  riga \", \"seats\": 7}, {\"airline\": \"lot\", \"fare\": 5.85, \"flight_id\": 108, \"origin\": \"  BARI\", \"seats\": 7}, {\"airline\": \"sas\", \"fare\": 456.07, \"flight_id\": 109, \"origin\": \" krakow\", \"seats\": 16}, {\"airline\": \"sas\", \"fare\": 148.08, \"flight_id\": 110, \"origin\": \"  krakow\", \"seats\": 6}, {\"airline\": \"tap\", \"fare\": 278.67, \"flight_id\": 111, \"origin\": \"malaga \", \"seats\": 13}, {\"airline\": \"sas\", \"fare\": 283.47, \"flight_id\": 112, \"origin\": \" BARI \", \"seats\": 8}, {\"airline\": \"tap\", \"fare\": 41.05, \"flight_id\": 113, \"origin\": \"  malaga \", \"seats\": 19}]")
DIGESTS = [
    "695b848e46cd525450a463128e13e7f838d49af09950c461296586818ef2de07",
    "ce770305ee02bbb14500458ef243338a590d2d691b34b630e31ce264ea13ccf5",
    "406e1896b7ae599577352db4e8e12528060ed400da0b0b98e43ef1978e57fb22",
    "9407b8b88ab814170899b310a7ccba6e0ce78bf8978f354557d9def0948dfd52",
    "ad9d00344b3359bbc81ba806df90fde1be258595de32ee7d85f0fce8e57e6faf",
    "98df347795f2db2a7ec15a21805a91be307d9abc81c08101966ef2d8c6bf5164",
    "7d01776c60dc94b6c9fe5b5ea8ec4511de98859119ee08939edcc014c3593d16",
    "638a760c816fb721e976f089566fc4b17388e03b3f133f01877a2fb7fea5d9fb",
    "709dafd5fecacdcdde136b86fe74eb8ab0dce2e81f757e4085fe0e29f06dd00e",
    "a09d474f65b73d2d32a523adb3433c0c1e992e7e242be417821f9bf5d4565867",
    "8ccbef3b80bb33e6277822af986ca0f40171fd97981922335cc56b0af9c9c290",
    "8ccbef3b80bb33e6277822af986ca0f40171fd97981922335cc56b0af9c9c290",
    "8ccbef3b80bb33e6277822af986ca0f40171fd97981922335cc56b0af9c9c290",
    "0ad204ab5c39c941049a0d67fbb992fb4721a547afb41efa4d9a7fee4789f521",
    "14725297bcd235093abc53b9554badbef63048f7ecd16367d99d06bd08e3581f",
    "d841163023f30aa7c1d0ea274979c6f09cb6ac923253ab1ba333f7ee25b85f32",
    "b359c6d0b38983fd28f7fdcb54e4d6e3682b74817d600bfe1a1d858fbcea02ca",
    "25f4af24c1849648495f7cd1450fd2f029ff0e1dcac2a0193cea62b4f564520d",
    "19354d3b31a6000ddbeaa0a0f3312cb22bb95c2124651b964627e5d0bab8c1b9",
    "19354d3b31a6000ddbeaa0a0f3312cb22bb95c2124651b964627e5d0bab8c1b9",
    "4d110b5b7928269f5bb69bc72f2d06c8b2721d856120e5b5d9f9659a9e2ef891",
    "c94948b1eab12220e577cd2161367473699ebf9e23cec48080d24708b26edfbc",
    "235ef695af32c74bbf22c984c9e8c996c18c87b3497f13835823f13339cc946d",
    "01e9db125f858497f56641b7d209187a9b2b6c2f650079e2834eb2417d09e8a4",
    "ae23e2d4df29e7b7ba0ab19ff2eabe317e8dc82e15663cacd23f344632ec8f5c",
    "ae23e2d4df29e7b7ba0ab19ff2eabe317e8dc82e15663cacd23f344632ec8f5c",
    "327ee78181ad71323892e2dc2ea99f5458577d1d1c234ea6e15e664bb07b3a25",
    "3a2bad56c23cf608577e59fd254a1df062b94d012859ed34ca688c3eac642627",
    "2f9709ff3546c0739900208c52f64c9a0442a194b78fb7abeb2d27aa8c7b44dd",
    "8dae1bdc63a22fe4e22e728a0d165fd91b27ef5c85d1daeed293217f4d240cf9",
    "28c43e0ac4557e057abfc9d89e7730f1f01b0b6086d65964b227ee29b1d1d7ec",
    "39d0d8e7e9b467958fe0c3e67aa4f3204c8e1912504881cc3933df3fe9982fbe",
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


def test_step_17():
    check(17)


def test_step_18():
    check(18)


def test_step_19():
    check(19)


def test_step_20():
    check(20)


def test_step_21():
    check(21)


def test_step_22():
    check(22)


def test_step_23():
    check(23)


def test_step_24():
    check(24)


def test_step_25():
    check(25)


def test_step_26():
    check(26)


def test_step_27():
    check(27)


def test_step_28():
    check(28)


def test_step_29():
    check(29)


def test_step_30():
    check(30)


def test_step_31():
    check(31)


def test_step_32():
    check(32)
