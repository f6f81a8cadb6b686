"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from clinicdesk.pipeline import run

RECORDS = json.loads("[{\"charge\": 265.03, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  r novak\", \"visit_id\": 100}, {\"charge\": 12.16, \"department\": \"cardio\", \"minutes\": 20, \"patient\": \" p silva\", \"visit_id\": 101}, {\"charge\": 383.44, \"department\": \"cardio\", \"minutes\": 19, \"patient\": \"  p silva \", \"visit_id\": 102}, {\"charge\": 285.14, \"department\": \"cardio\", \"minutes\": 11, \"patient\": \" L MEYER\", \"visit_id\": 103}, {\"charge\": 151.21, \"department\": \"derma\", \"minutes\": 5, \"patient\": \"  l meyer\", \"visit_id\": 104}, {\"charge\": 451.5, \"department\": \"derma\", \"minutes\": 20, \"patient\": \"J DOE \", \"visit_id\": 105}, {\"charge\": 279.11, \"department\": \"derma\", \"minutes\": 16, \"patient\": \"  l meyer \", \"visit_id\": 106}, {\"charge\": 347.85, \"department\": \"derma\", \"minutes\": 17, \"patient\": \" M ROSSI\", \"visit_id\": 107}, {\"charge\": 440.96, \"department\": \"neuro\", \"minutes\": 17, \"patient\": \"p silva\", \"visit_id\": 108}, {\"charge\": 167.45, \"department\": \"cardio\", \"minutes\": 17, \"patient\": \"  m rossi \", \"visit_id\": 109}, {\"charge\": 240.08, \"department\": \"neuro\", \"minutes\": 5, \"patient\": \"r novak\", \"visit_id\": 110}, {\"charge\": 132.56, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 134.06, \"department\": \"neuro\", \"minutes\": 3, \"patient\": \" P SILVA\", \"visit_id\": 111}, {\"charge\": 195.74, \"department\": \"neuro\", \"minutes\": 11, \"patient\": \"r novak \", \"visit_id\": 112}, {\"charge\": 20.72, \"department\": \"neuro\", \"minutes\": 20, \"patient\": \"  m rossi \", \"visit_id\": 113}]")
DIGESTS = [
    "390ad5dd994118509aac7630452ca1da76e879da4122bc0f70893cde781ef8bd",
    "4b8bb9d8e940a346c2fc660af76bc212c4ab1f28e80a11bd2083f028a53251c6",
    "45c14fec0edd2f044763319afb1ab3a82998ba7def6ec8abdf06a0e938e73ac2",
    "855160ebabc1b79a083331c90c1628346e0f882f1d2f16ca56ef572e0427e3a3",
    "796214a0264dc774b3aad98b3ca5940fbeab3ce1b3d2d59f13ca9398fcd34f43",
    "658778a791b38a41b98730d17cc7ca1168b1df2853938ac4473ddd07781d9e71",
    "3754d31484309fef0f4b6a59e265b35fd1d8071317b3f11ddedd9494978c6a19",
    "1f4529ed47747df0fa31f80710b7a3913ca995ef200dc6473e6ea601d3d3b696",
    "81f0eb79348964ceb75b6228773efa35bc7f0c56776359a8f0c50d7053e7b5eb",
    "13e7622346cc477dd551364c867d82050b9a28df82f83e07ddf36349bf77bfdc",
    "b390ab7ac8c39ad52db678592df59c0327d56e8f4fd2f3f651fbbd41499e9beb",
    "ce3d2f09acd824faf9c8ee4e13cb5e22389f55de7314d9d8d06db57881bb12d7",
    "775d0a52a8cd720323ed006708eeaba96600b61099b9df8b0a567ed316920ba3",
    "a1b90e0a1bc9ea265fee7eef429f134c77b61223eba0ddc2a29c1ef516d41291",
    "1ed21d37dd8cbee2725e4d45f68c4f9492b7e89a8096d5fb1848bb61190d0129",
    "8bba2694fe8ce53d567cc4a2dcfda7677bcc48a7cc1f62cd1b096bc3843f8f45",
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
