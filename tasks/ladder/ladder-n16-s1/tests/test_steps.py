"""Hidden tests: step k runs stages 1..k on hidden records and compares a digest of the
result with what correct stages produce."""

import copy
import hashlib
import json

from parcelflow.pipeline import run

RECORDS = json.loads("[{\"carrier\": \"fedex\", \"destination\": \"  LYON\", \"parcels\": 13, \"shipment_id\": 100, \"weight_kg\": 22.81}, {\"carrier\": \"gls\", \"destination\": \" turin \", \"parcels\": 3, \"shipment_id\": 101, \"weight_kg\": 223.8}, {\"carrier\": \"dhl\", \"destination\": \" oslo \", \"parcels\": 5, \"shipment_id\": 102, \"weight_kg\": 457.31}, {\"carrier\": \"dhl\", \"destination\": \" lyon\", \"parcels\": 16, \"shipment_id\": 103, \"weight_kg\": 91.04}, {\"carrier\": \"ups\", \"destination\": \"oslo\", \"parcels\": 5, \"shipment_id\": 104, \"weight_kg\": 329.06}, {\"carrier\": \"dhl\", \"destination\": \"turin\", \"parcels\": 9, \"shipment_id\": 105, \"weight_kg\": 457.68}, {\"carrier\": \"dhl\", \"destination\": \"  oslo\", \"parcels\": 2, \"shipment_id\": 106, \"weight_kg\": 489.49}, {\"carrier\": \"fedex\", \"destination\": \" ghent \", \"parcels\": 14, \"shipment_id\": 107, \"weight_kg\": 263.69}, {\"carrier\": \"gls\", \"destination\": \"GRAZ \", \"parcels\": 18, \"shipment_id\": 108, \"weight_kg\": 76.56}, {\"carrier\": \"gls\", \"destination\": \"  lyon\", \"parcels\": 1, \"shipment_id\": 109, \"weight_kg\": 160.68}, {\"carrier\": \"gls\", \"destination\": \" graz \", \"parcels\": 17, \"shipment_id\": 110, \"weight_kg\": 68.86}, {\"carrier\": \"gls\", \"destination\": \"  LISBON\", \"parcels\": 4, \"shipment_id\": 111, \"weight_kg\": 161.91}, {\"carrier\": \"ups\", \"destination\": \"  GHENT \", \"parcels\": 19, \"shipment_id\": 112, \"weight_kg\": 437.77}, {\"carrier\": \"fedex\", \"destination\": \" ghent \", \"parcels\": 14, \"shipment_id\": 107, \"weight_kg\": 265.19}, {\"carrier\": \"gls\", \"destination\": \"  lyon \", \"parcels\": 4, \"shipment_id\": 113, \"weight_kg\": 432.22}]")
DIGESTS = [
    "be6b0eb823be7c0dc5e397cc94c73465fd2cc4ad53825ab5a72a156febc7553c",
    "b96299a1f0aed3282790b7c8a27fd993073d858e31781f93a91bbd718ad4809e",
    "60c124c8de2f087ce15dc30ed3e6e0079c8e52228b8e7495a0514d1999efe2c7",
    "7a6d44a54b6f6379abaa34a57a86271f9ef675de6bfd62596e69436839551266",
    "72f6f6c4e6175bcff32280d1dc080ff1b7cf3302f7c2993608707872b4a95d29",
    "d23a4dc92e890b7a355507b56a681772247c0baa69d90f9a2d50dd8e9fd3d0e2",
    "48cd723679484fd0d90e768f6c23aefe384d051148fbf34d9e4ec71af7727a3d",
    "bb87345cb99dda54b8345c92ca556ac6471f7163b34ecaca80ceaed1687924b3",
    "5bbbb62973469f286d290bcdddde3216b3c1593a31db26ff4aa4f0c027b0a1b7",
    "43e8cd7a4562de249ec2c44abe29c46911277fede6204f67c3f503e03f7645d2",
    "1a1182354414ee4b4a567f0edadf6bd26972b90851cb60ceda23566f16fa1d37",
    "badee5c973d92a8b16609f45a817adc1a8fa9d18b386432260a5d80d14b63fbb",
    "a3d9b3253e583bf51c7777c19869ccfb4c1d5292ae74a9e96545e439228652b1",
    "9670fbd5abc6d881beecd1861580fb6b061694c91763bcf69a4e78a0c52ebeb6",
    "bd21deb57945f2fdef8dd197b3d24763fe18e8c284b7fdc0dd785f8483788c96",
    "9ba9eb3a8a54c9a1fcf24ded0e16ac69ceb523e15d289923c6fd28c6b2f00e2b",
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
