"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from clinicdesk.pipeline import run

RECORDS = json.loads("[{\"charge\": 265.03, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  r novak\", \"visit_id\": 100}, {\"charge\": 12.16, \"department\": \"cardio\", \"minutes\": 20, \"patient\": \" p silva\", \"visit_id\": 101}, {\"charge\": 383.44, \"department\": \"cardio\", \"minutes\": 19, \"patient\": \"  p silva \", \"visit_id\": 102}, {\"charge\": 285.14, \"department\": \"cardio\", \"minutes\": 11, \"patient\": \" L MEYER\", \"visit_id\": 103}, {\"charge\": 151.21, \"department\": \"derma\", \"minutes\": 5, \"patient\": \"  l meyer\", \"visit_id\": 104}, {\"charge\": 451.5, \"department\": \"derma\", \"minutes\": 20, \"patient\": \"J DOE \", \"visit_id\": 105}, {\"charge\": 279.11, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  l meyer \", \"visit_id\": 106}, {\"charge\": 347.85, \"department\": \"derma\", \"minutes\": 17, \"patient\": \" M ROSSI\", \"visit_id\": 107}, {\"charge\": 440.96, \"department\": \"neuro\", \"minutes\": 17, \"patient\": \"p silva\", \"visit_id\": 108}, {\"charge\": 167.45, \"department\": \"cardio\", \"minutes\": 17, \"patient\": \"  m rossi \", \"visit_id\": 109}, {\"charge\": 240.08, \"department\": \"neuro\", \"minutes\": 5, \"patient\": \"r novak\", \"visit_id\": 110}, {\"charge\": 132.56, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 134.06, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 195.74, \"department\": \"neuro\", \"minutes\": 11, \"patient\": \"r novak \", \"visit_id\": 112}, {\"charge\": 20.72, \"department\": \"neuro\", \"minutes\": 20, \"patient\": \"  m rossi \", \"visit_id\": 113}]")
DIGESTS = [
    "32854d8d24f1540f984572b0566cbf3ab9616443f695832490c3b60f99f015d6",
    "7f8c032d8bd68cd1cd6e715d6a8007b24522878f0f6aec09f88790c76f2e1d16",
    "c599c587f7b42827ee5fb338f920b005244dff53b4ca12cb03a332efc33b983d",
    "7fcaeca2c695de80b0c9c64dcce9f1820ac49c4bffe4390c7c31280518393af7",
    "9e98902510e833c84e082953c057c32dec37d58cc4f543ce5acea47941964cbe",
    "6e48bc35eed506e96752694f625ab0ecc7b5fe148a197d64e5ddb407d41501e6",
    "8efdce20cb79747b3c1790779dc8abdc0610d4d7aa4b56f2dde6cc0a498baf3b",
    "2b83a2f1411dd8ceb5e00f6b60e27f78aa81dca05eb5113670d80c918fe71bb3",
    "048f8daf90a2383297fc6f54f33a50477058236cd5cd1c213cf896bf2c51dac0",
    "048f8daf90a2383297fc6f54f33a50477058236cd5cd1c213cf896bf2c51dac0",
    "199a0fd76265aeaaaf3b8bcc3cbd6cc2e9de92823d7b50c3009ee61956e0db9c",
    "43990f38bcc34670b4fc2a3c2735f058f58118577dfe85a36aa89a15860d2b54",
    "e492e7397ec31b64be607fe4e6df8f9f55ffb6e08a58dc4fe6b812ba49421f17",
    "7446678b1c9c8cd5657eca0215cf9aeec180bb414f994b1e28b75655bf83a4ed",
    "7446678b1c9c8cd5657eca0215cf9aeec180bb414f994b1e28b75655bf83a4ed",
    "7446678b1c9c8cd5657eca0215cf9aeec180bb414f994b1e28b75655bf83a4ed",
    "9cc905e28d05aae7ae6d8d27dd2e2610536a632f3b7c07fd8b18c95787dc10be",
    "035f37bf4716526e5fe7a03d692c0345d02af12cbcb40d95506fbc46ed7ba1d6",
    "a6dc78768ed219bcae75f4a6de19657a1eab4107247c11889d280adcf80a4df7",
    "cb5c03d4c71d30d4ebfdaccc6e6afb1b5d7d04e7785c30f77f029f05d1ff5a56",
    "39246d7664e6e66bc4e362e7733cf4a66f51d0cefa2e0ba1a38329f1353e8bb0",
    "3663578e1ab43c897abeb02b9b0668405d6780fa9f1c6a87ac659d98457f3067",
    "79b6f44a2d3ad53263032e8959f2459e7f25da7bc88aa1d15a5e533f68adffe8",
    "82fede1bfc06c3fb1f415867ee4cddfd7962cf770c8e9ca0d7a273e8eeae17a7",
    "59f76630521deea328a737df5c08074ecf270892e88738087fd5ef2e9db90e9a",
    "59f76630521deea328a737df5c08074ecf270892e88738087fd5ef2e9db90e9a",
    "c629f2299dc922e2e49b0f54ec04a9714b95d899faaf0d70785d046b5a295ac7",
    "88b7f2dee09336104941d12abf37ff48c4c8135d3ae499afae5a6fd6a739d5bd",
    "d7b288248c26565b17212ed276dd9dc6224fc1479a07d85b2df28e9bf7ad3e0b",
    "3e6ee046d7d90282968510a4a2719d2385a1d6c43c678eca0e2c25725649ed60",
    "b507399871d63740a5c28eab2e2b0e81e658334f50799e0ef9c230ed596e9521",
    "5ee11e0912aa01fc2b02c065a12eb8180f542f7935c10a1d6be94b854d8e6a0d",
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
