"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from parcelflow.pipeline import run

RECORDS = json.loads("[{\"carrier\": \"fedex\", \"destination\": \"  LYON\", \"parcels\": 13, \"shipment_id\": 100, \"weight_kg\": 22.81}, {\"carrier\": \"gls\", \"destination\": \" turin \", \"parcels\": 3, \"shipment_id\": 101, \"weight_kg\": 223.8}, {\"carrier\": \"dhl\", \"destination\": \" oslo \", \"parcels\": 5, \"shipment_id\": 102, \"weight_kg\": 457.31}, {\"carrier\": \"dhl\", \"destination\": \" lyon\", \"parcels\": 16, \"shipment_id\": 103, \"weight_kg\": 91.04}, {\"carrier\": \"ups\", \"destination\": \"oslo\", \"parcels\": 5, \"shipment_id\": 104, \"weight_kg\": 329.06}, {\"carrier\": \"dhl\", \"destination\": \"turin\", \"parcels\": 9, \"shipment_id\": 105, \"weight_kg\": 457.68}, {\"carrier\": \"dhl\", \"destination\": \"  oslo\", \"parcels\": 2, \"shipment_id\": 106, \"weight_kg\": 489.49}, {\"carrier\": \"fedex\", \"destination\": \" ghent \", \"parcels\": 14, \"shipment_id\": 107, \"weight_kg\": 263.69}, {\"carrier\": \"gls\", \"destination\": \"GRAZ \", \"parcels\": 18, \"shipment_id\": 108, \"weight_kg\": 76.56}, {\"carrier\": \"gls\", \"destination\": \"  lyon\", \"parcels\": 1, \"shipment_id\": 109, \"weight_kg\": 160.68}, {\"carrier\": \"gls\", \"destination\": \" graz \", \"parcels\": 17, \"shipment_id\": 110, \"weight_kg\": 68.86}, {\"carrier\": \"gls\", \"destination\": \"  LISBON\", \"parcels\": 4, \"shipment_id\": 111, \"weight_kg\": 161.91}, {\"carrier\": \"ups\", \"destination\": \"  GHENT \", \"parcels\": 19, \"shipment_id\": 112, \"weight_kg\": 437.77}, {\"carrier\": \"fedex\", \"destination\": \" ghent \", \"parcels\": 14, \"shipment_id\": 107, \"weight_kg\": 265.19}, {\"carrier\": \"gls\", \"destination\": \"  lyon \", \"parcels\": 4, \"shipment_id\": 113, \"weight_kg\": 432.22}]")
DIGESTS = [
    "08a4eda6ce2cc32903043c87b3eb16048bab074a14b834914c93002896bf8288",
    "24a77363de246411b5bad38e5ad0b57c98be47027d3b24dbb6ff91c762f6dcbf",
    "239b341e8007049271328a344fbfde57d9d3037da2b963d751d9db8f0fa6bbdc",
    "0f85d32d5ab978ce1aa59a9bfcdab872bb3411b98b98b4552b9491eeb70b32dd",
    "9fd4cbfe1f7b02f5f149bfc71d8a5ccb7be79239d251bbe566640df2e0215a5d",
    "bdc0cd49d249d3b24e9001618d2ed868fc6f91e38144e6f1e8b20a3f9ce71191",
    "d9e483f9590ed18ce51a5712e268e790908b89a6a73837d08a340e59d66988e0",
    "488f1a35b49537cfa423e3f60fd7879a5b6b4a8b76bef130d0d0b471d9773579",
    "816db5db3adac14c0d1d5ca8dfd2822d06410e344ee4591c3e5934a8b15145b4",
    "2c7c9e90eec8e2e79286c3e7c842621e57f9ec623b78a3d3c854eb19575a1ab7",
    "32915d40eecfc8f2886f228e30b7a6e0bc45d3d91bdc9f6ad9c31641caf98731",
    "5d17c894f9ddf66d532a1371e035fc3d06d4b061320c04282e9c62a0231b818f",
    "5d17c894f9ddf66d532a1371e035fc3d06d4b061320c04282e9c62a0231b818f",
    "5d17c894f9ddf66d532a1371e035fc3d06d4b061320c04282e9c62a0231b818f",
    "52a446c1c6438b1c91513a1b09dcf686f0a3a259d2e9121aeb0cdc2b9aa0eaf6",
    "52a446c1c6438b1c91513a1b09dcf686f0a3a259d2e9121aeb0cdc2b9aa0eaf6",
    "52a446c1c6438b1c91513a1b09dcf686f0a3a259d2e9121aeb0cdc2b9aa0eaf6",
    "c81cbb300c8acf32ac0cf167e3283217dd3ed7fcd35643a2519fdeed33e947d8",
    "8fb5a3937cd0a889913084748246f47a4de694f493d6673695887c6e76b9209c",
    "2a73ac6e047e73a99b31252912077e1acff77235faa1cf55507cb997cd4f9f83",
    "2a73ac6e047e73a99b31252912077e1acff77235faa1cf55507cb997cd4f9f83",
    "3a97adb65d564191c1c0496f57bb2c6b4f562500c1cc6ddd05006d5e58687e6f",
    "6198af1a7562fc6a55a69f8147d57b0a7b9e8b695490f5abf0a9aa9e4559f6d6",
    "6198af1a7562fc6a55a69f8147d57b0a7b9e8b695490f5abf0a9aa9e4559f6d6",
    "06a0276a16752edcb067be0d24603bdacee6b476c9ed7c989e570afc33864cc3",
    "06a0276a16752edcb067be0d24603bdacee6b476c9ed7c989e570afc33864cc3",
    "6c0ffc62655cd60a405bee82471d4ed6f9edfc0f36dc303795f8c960b73fe3f0",
    "1a4c456d04ab18a32e6f765e0afb6d554ff14c4b78896949f2f1738a38f394a6",
    "ad0da7971199748ccc520fd1ad4792fbbb53f3ad345e1900f73ddcdca8778d9d",
    "dfbfb7f1dc7273399089c283344889d24816df022b042d9a4bc82203ac2d4a7d",
    "c268602ec754b414df2362b3fc0654cb1ced6ebcdc9aeb908279680eb844e7be",
    "0f2847738fb9718c10488fadf99a90a4dabf37e3454a6dff7926343c26402949",
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
